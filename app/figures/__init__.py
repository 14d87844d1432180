"""Figures: numbers that count something, read from prose (extract.py, pure) and table rows (tables.py), and the
figures table of the whole store (table.py). The names below are the package's API."""
from .prose import Conflict, Figure, agencies_named, canonical_agency, conflicts, extract
from .table import all_figures, figures, figures_for, matches, read_csv, to_csv

__all__ = ["Conflict", "Figure", "agencies_named", "all_figures", "canonical_agency", "conflicts", "extract",
           "figures", "figures_for", "matches", "read_csv", "to_csv"]

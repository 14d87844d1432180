"""Figures: numbers that count something, read from prose (extract.py, pure) and table rows (tables.py), and the
figures table of the whole store (table.py). The names below are the package's API."""
from .prose import Conflict, Figure, conflicts, extract
from .table import all_figures, figures, figures_for, matches, read_csv, to_csv

__all__ = ["Conflict", "Figure", "all_figures", "conflicts", "extract", "figures", "figures_for", "matches", "read_csv",
           "to_csv"]  # agencies: ingest.agencies

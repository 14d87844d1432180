"""The command line: `gugus` (the group and main in main.py; one module per command group)."""
from .main import cli, main

__all__ = ["cli", "main"]

"""What every command group shares: the consoles, the settings and user of the invocation, opening the data
directory (its errors mapped to exit code 2 with a one-line message), loading the writer, parsing --period."""
from __future__ import annotations

import sys

import click
from rich.console import Console

from ..ops.locking import DataDirBusy
from ..settings import Settings

err = Console(stderr=True)
out = Console()


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _user(ctx: click.Context):
    """Whose rights apply: the `--as` user, else the local operator (admin-equivalent; see app/accounts/users.py)."""
    return ctx.obj["user"]


def _open(ctx: click.Context, reset: bool = False):
    from ...index.embedders import EmbedderError
    from ...index.rerank import RerankerError
    from ...index.store import StoreError
    from ..container import Gugus

    try:
        g = Gugus(_settings(ctx), reset_store=reset)
        g.reranker  # a misconfigured GUGUS_RERANKER fails here, named, not at the first question
        return g
    except (StoreError, EmbedderError, RerankerError, DataDirBusy) as e:  # DataDirBusy: --reindex while a backup runs
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)


def _writer(g) -> None:
    """Load the configured writer now; say so on stderr when `local` fell back to `extractive`."""
    from ...index.store import StoreError
    from ..generators import GeneratorError

    try:
        g.answerer
    except (GeneratorError, StoreError) as e:  # StoreError: the audit log is damaged or of a newer schema
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)
    if getattr(g, "writer_note", ""):
        err.print(f"[yellow]warning:[/yellow] {g.writer_note}")


def _audit(settings: Settings, g=None):
    """The audit log of the data directory (g's, when given); a damaged or newer-schema file -> its one-line
    message, exit code 2."""
    from ...index.store import StoreError
    from ..container import open_audit

    try:
        return g.audit if g is not None else open_audit(settings.audit_path)
    except StoreError as e:
        err.print(f"[red]error:[/red] {e}")
        sys.exit(2)


def _period(text: str | None):
    from ...index.period import parse_period

    try:
        return parse_period(text)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--period") from None

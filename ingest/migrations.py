"""Numbered schema migrations for Gugus's own SQLite files (the manifest, the audit log).

Each database declares an ordered list of `Migration(version, description, apply)`, versions 1, 2, 3 ... with no
gap; `apply` is SQL (one or more statements) or a callable taking the connection. The version a file is at lives in
its header (`PRAGMA user_version`, 0 for a file no migration has touched). `migrate` applies the missing ones in
order, each in its own transaction together with its version bump: a crash or an error inside a migration leaves
the file at the previous version, with nothing of the migration in it.

Rules for a new migration (README, architecture):
- append it with the next number; never edit or renumber one that has shipped (data dirs already ran it);
- SQL runs statement by statement inside the transaction; a callable must only `db.execute(...)`: no commit,
  no `with db:`, no executescript (each of those would end the transaction early);
- it runs exactly once per file, on a file at the version before it: no IF NOT EXISTS guards are needed after 1.

Adoption: files made before the runner existed (CREATE TABLE IF NOT EXISTS only) are at user_version 0 but already
hold their tables. Migration 1 of each database is that original schema, still written with IF NOT EXISTS, so it
adopts them as they are; the runner then checks that every table migration 1 declares has all its columns (so a
file of an unknown shape is refused, by name, rather than failing later) and sets the version to 1. Rows are kept.

A file at a version newer than the code knows is refused (SchemaTooNew) before anything is written: it was made by
a newer Gugus, and an older one must not read or write it.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, Union

Apply = Union[str, Callable[[sqlite3.Connection], None]]

NEWER_ADVICE = ("use the Gugus version that wrote it (or a newer one), or restore a backup made with this version "
                "(`gugus restore DIR --force`)")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Apply


class SchemaError(Exception):
    """A database cannot be brought to the schema this code uses. The message names the file and what to do."""


class SchemaTooNew(SchemaError):
    pass


class MigrationFailed(SchemaError):
    pass


def latest(migrations: Sequence[Migration]) -> int:
    return migrations[-1].version if migrations else 0


def current_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def file_version(path: Path) -> int | None:
    """The schema version of a database file, read without writing to it; None when there is no such file."""
    if not Path(path).is_file():
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return current_version(db)
    finally:
        db.close()


def too_new_message(what: str, path: Path | str, found: int, known: int, advice: str = NEWER_ADVICE) -> str:
    return (f"the {what} {path} has schema version {found}, newer than this Gugus knows (up to {known}): it was "
            f"written by a newer Gugus. Nothing was changed; {advice}.")


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration], *, path: Path | str, what: str,
            advice: str = NEWER_ADVICE) -> int:
    """Bring `db` (the file at `path`, called `what` in messages: 'manifest', 'audit log') to the latest version of
    `migrations`. Returns the version it is at. Raises SchemaTooNew or MigrationFailed (both SchemaError)."""
    _validate(migrations)
    known = latest(migrations)
    v = current_version(db)
    if v > known:
        raise SchemaTooNew(too_new_message(what, path, v, known, advice))
    if v == known:
        return v
    if db.in_transaction:
        db.commit()
    saved = db.isolation_level
    db.isolation_level = None  # the transactions below are explicit
    try:
        for m in migrations:
            if m.version <= v:
                continue
            v = _apply_one(db, m, migrations, path, what, advice)
    finally:
        db.isolation_level = saved
    return v


def _apply_one(db: sqlite3.Connection, m: Migration, migrations: Sequence[Migration], path, what: str,
               advice: str) -> int:
    db.execute("BEGIN IMMEDIATE")  # the write lock first: two processes opening the file do not both migrate it
    try:
        v = current_version(db)  # another process may have migrated it meanwhile
        if v > latest(migrations):
            raise SchemaTooNew(too_new_message(what, path, v, latest(migrations), advice))
        if v >= m.version:
            db.execute("COMMIT")
            return v
        adopting = m.version == 1 and _has_tables(db)
        try:
            if isinstance(m.apply, str):
                for stmt in _statements(m.apply):
                    db.execute(stmt)
            else:
                m.apply(db)
            if not db.in_transaction:
                raise RuntimeError("the migration ended its transaction (commit, `with db:` or executescript)")
            if adopting:
                _check_adopted(db, m, path, what)
        except SchemaError:
            raise
        except Exception as e:
            raise MigrationFailed(
                f"the {what} {path} could not be migrated to schema version {m.version} ({m.description}): "
                f"{type(e).__name__}: {e}. It was left unchanged at version {v}; restore a backup if it is "
                f"damaged, or report this with the file.") from e
        db.execute(f"PRAGMA user_version = {int(m.version)}")
        db.execute("COMMIT")
        return m.version
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _validate(migrations: Sequence[Migration]) -> None:
    got = [m.version for m in migrations]
    if got != list(range(1, len(got) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3 ... without gaps, got {got}")


def _has_tables(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                      ).fetchone()[0] > 0


def _columns(db: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                       "AND name NOT LIKE 'sqlite_%'")]
    return {t: {r[1] for r in db.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def _check_adopted(db: sqlite3.Connection, m: Migration, path, what: str) -> None:
    """A file from before the runner: each table of migration 1 must be there with at least its columns."""
    ref = sqlite3.connect(":memory:")
    try:
        ref.isolation_level = None
        ref.execute("BEGIN")
        if isinstance(m.apply, str):
            for stmt in _statements(m.apply):
                ref.execute(stmt)
        else:
            m.apply(ref)
        want = _columns(ref)
    finally:
        ref.close()
    have = _columns(db)
    missing = {t: sorted(cols - have.get(t, set())) for t, cols in want.items() if cols - have.get(t, set())}
    if missing:
        said = "; ".join(f"table {t}: {', '.join(c)}" for t, c in missing.items())
        raise MigrationFailed(
            f"the {what} {path} has no schema version and is not of a shape this Gugus made (missing {said}). "
            f"It was left unchanged; restore a backup, or move it away to start a new one.")


def _statements(sql: str):
    """The statements of an SQL script, split where sqlite3 says a statement is complete (quotes, comments and
    triggers with inner semicolons stay whole)."""
    buf = ""
    for part in sql.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if _code(buf):
                yield buf
            buf = ""
    if _code(buf.rstrip().rstrip(";")):
        yield buf


def _code(s: str) -> bool:
    """Whether s holds anything but whitespace, semicolons and -- comments."""
    return any(line.split("--", 1)[0].strip(" \t;") for line in s.splitlines())

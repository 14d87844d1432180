"""One exclusive lock per data directory, so that ingest, backup and restore never overlap.

`data_dir_lock(data_dir, purpose)` takes an `fcntl.flock` on `<data_dir>/gugus.lock`. The kernel drops the lock
when the holder exits, also on SIGKILL, so a crash never leaves a stale lock behind. The holder writes its pid and
purpose into the file, and a caller that cannot get the lock is told who holds it.

flock locks belong to an open file description: two threads of one process that each call data_dir_lock exclude
each other too (two uploads in the web UI are serialised).
"""
from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

LOCK_NAME = "gugus.lock"


class DataDirBusy(Exception):
    """Another ingest, backup or restore holds the data directory."""


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another process"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("since", 0)))
    return f"{info.get('purpose', 'another process')} (pid {info.get('pid', '?')}, since {since})"


@contextmanager
def data_dir_lock(data_dir: Path, purpose: str, timeout: float = 0.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the data directory's lock for the duration of the block.

    Waits up to `timeout` seconds for a current holder to finish, then raises DataDirBusy naming the holder.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = lock_path(data_dir)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DataDirBusy(f"the data directory {data_dir} is in use by {_holder(path)}; "
                                      f"try again when it has finished") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "purpose": purpose, "since": time.time()}).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

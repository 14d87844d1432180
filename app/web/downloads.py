"""Files the web UI makes for one user (figures CSV, draft DOCX/Markdown): private, owned, and removed again.

Gradio serves output files from its cache (``/gradio_api/file=<path>``) to anyone with the URL, and copies them
there with mode 0644 for good. Instead, each file is written straight into a fresh 0700 directory inside Gradio's
cache (so Gradio serves it in place and copies nothing), with mode 0600, and registered with its owner. The login
middleware (app/web/auth.py) lets a ``file=`` URL through only for the user who owns that file; every other path
(other users' files, uploads, anything Gradio copied) is refused. Files are deleted after GUGUS_DOWNLOAD_TTL_MIN
minutes, and the rest when the server process ends.
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote

log = logging.getLogger(__name__)

FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/", "/file=", "/file/")
DEFAULT_TTL_S = 3600.0


def owner_key(user) -> str:
    """Who owns a file or state: the user's account id (it changes when a name is removed and created again)."""
    return str(getattr(user, "id", "") or getattr(user, "name", ""))


def file_route_path(path: str) -> str | None:
    """The file a Gradio file route asks for ('/gradio_api/file=/tmp/x' -> '/tmp/x'); None for other routes."""
    for prefix in FILE_ROUTES:
        if path.startswith(prefix):
            return unquote(path[len(prefix):])
    return None


class Downloads:
    def __init__(self, ttl_s: float = DEFAULT_TTL_S):
        self.ttl_s = ttl_s
        self._files: dict[Path, tuple[str, float]] = {}  # resolved path -> (owner, expiry)
        self._lock = threading.Lock()

    def private_dir(self, prefix: str = "gugus-") -> Path:
        """A new 0700 directory inside Gradio's cache, for one download."""
        from ..accounts.uploads import gradio_upload_dir

        root = gradio_upload_dir()
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=root))  # mkdtemp creates it 0700

    def register(self, user, path: str | Path, ttl_s: float | None = None) -> str:
        """`path` (written by the caller) belongs to `user` from now on; returns it as a string for gr.File."""
        p = Path(path).resolve()
        os.chmod(p, 0o600)
        with self._lock:
            self._files[p] = (owner_key(user), time.time() + (self.ttl_s if ttl_s is None else ttl_s))
        self.sweep()
        return str(p)

    def allowed(self, user, path: str) -> bool:
        """May `user` download `path`: only a registered, unexpired file of their own."""
        try:
            p = Path(path).resolve()
        except (OSError, RuntimeError, ValueError):
            return False
        with self._lock:
            v = self._files.get(p)
        return v is not None and v[1] > time.time() and v[0] == owner_key(user) and p.is_file()

    def sweep(self, everything: bool = False) -> int:
        """Delete expired files (all with everything=True) and their directories; returns how many."""
        now = time.time()
        with self._lock:
            gone = [p for p, (_, exp) in self._files.items() if everything or exp <= now]
            for p in gone:
                del self._files[p]
        for p in gone:
            try:
                p.unlink(missing_ok=True)
                if p.parent.name.startswith("gugus-") and not any(p.parent.iterdir()):
                    p.parent.rmdir()
            except OSError as e:
                log.warning("cannot remove download %s: %s", p, e)
        return len(gone)


DOWNLOADS = Downloads()
atexit.register(DOWNLOADS.sweep, True)


def private_copy(user, src: str | Path, ttl_s: float | None = None) -> str:
    """Move a file the UI made somewhere else into a private, owned download; returns the new path."""
    dst = DOWNLOADS.private_dir() / Path(src).name
    shutil.move(str(src), dst)
    return DOWNLOADS.register(user, dst, ttl_s)

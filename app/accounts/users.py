"""Accounts, passwords, roles and what each user may read.

Users live in ``<data dir>/users.json`` (mode 0600, written atomically: temp file + rename). Passwords are hashed
with scrypt (stdlib ``hashlib.scrypt``, N=2**14, r=8, p=1, a 16-byte random salt per user) and compared in
constant time. Roles:

- ``admin``: reads every document and uploads. (Users are managed with ``gugus users`` on the server, not in
  the UI.)
- ``editor``: reads like a reader, and uploads documents in the Library tab.
- ``reader``: asks and searches.

Readers and editors see public and internal documents, plus restricted documents of their own agencies
(``--agency``). ``scope_for(user)`` turns a user into the index-level AccessScope; ``None`` (nobody identified)
gets public documents only. The local single-user mode (no users, server bound to loopback; the CLI without
``--as``) acts as ``local_user()``, an admin-equivalent: whoever runs it can read the data directory anyway.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...index.access import AccessScope

ROLES = ("admin", "editor", "reader")
UPLOAD_ROLES = ("admin", "editor")
USERS_FILE = "users.json"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AuthError(Exception):
    """A bad user name, role or password, or an unknown user. The message is shown as is."""


class UsersFileError(AuthError):
    """The users file exists but cannot be read as users (damaged, not JSON, wrong shape). Nothing is written over
    it; the web UI fails closed (nobody is logged in)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    agencies: tuple[str, ...] = ()
    local: bool = False  # the single-user mode without login (never stored)
    id: str = ""  # random per account: a name removed and added again is another user (sessions, draft state)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_upload(self) -> bool:
        return self.role in UPLOAD_ROLES


def local_user(name: str = "local") -> User:
    """The operator of the single-user mode without login (and of the CLI without --as): admin-equivalent."""
    return User(name=name, role="admin", local=True)


def scope_for(user: User | None) -> AccessScope | None:
    """What `user` may read, for ``Filters.access``. None = no clause (admins and the local mode);
    nobody identified (user None) = public documents only."""
    if user is None:
        return AccessScope.public_only()
    if user.is_admin:
        return None
    return AccessScope(agencies=tuple(user.agencies))


def can_read(user: User | None, access: str | None, access_agencies: list[str] | tuple[str, ...] | None) -> bool:
    """The same rule for one document (library rows, /source pages)."""
    scope = scope_for(user)
    return scope is None or scope.allows_doc(access, access_agencies)


# ------------------------------------------------------------------------------------------------ passwords
def hash_password(password: str, salt: bytes | None = None) -> tuple[str, str]:
    """(salt hex, scrypt hash hex)."""
    salt = salt or secrets.token_bytes(16)
    h = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 2**20, **SCRYPT)
    return salt.hex(), h.hex()


def check_password(password: str, salt_hex: str, hash_hex: str) -> bool:
    _, h = hash_password(password, bytes.fromhex(salt_hex))
    return hmac.compare_digest(h, hash_hex)


# ------------------------------------------------------------------------------------------------ the users file
@dataclass
class _Record:
    name: str
    role: str
    agencies: list[str] = field(default_factory=list)
    salt: str = ""
    hash: str = ""
    created: float = 0.0
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:  # written before user ids: derived from the random salt, so a re-created name differs
            self.id = hashlib.sha256(f"{self.name}\0{self.salt}\0{self.created}".encode()).hexdigest()[:16]

    def user(self) -> User:
        return User(self.name, self.role, tuple(self.agencies), id=self.id)


class UserStore:
    """The users file. Re-read when it changes on disk, so `gugus users add/remove` apply to a running server."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: dict[str, _Record] = {}
        # verifying an unknown name costs as much as a known one (no user-name probing by timing)
        self._dummy = hash_password(secrets.token_hex(8))

    def _load(self) -> dict[str, _Record]:
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                self._stamp, self._users = None, {}
                return self._users
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                self._users = self._parse()
                self._stamp = stamp
            return self._users

    def _parse(self) -> dict[str, _Record]:
        """The users of the file; an empty file has none. Raises UsersFileError for anything else unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
            if not text.strip():
                return {}
            data = json.loads(text)
            users = {u["name"]: _Record(**u) for u in data["users"]}
            if not all(isinstance(r.name, str) and r.role in ROLES and r.salt and r.hash for r in users.values()):
                raise ValueError("a user without name, known role or password hash")
            return users
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
            self._stamp = None
            raise UsersFileError(f"the users file {self.path} is damaged ({type(e).__name__}: {e}); nobody can log "
                                 f"in until it is repaired or restored from a backup (`gugus restore`). It was "
                                 f"left as it is.") from None

    def exists(self) -> bool:
        """Whether there is a users file at all (even an empty or damaged one): then the web UI requires a login."""
        return self.path.exists()

    def _save(self, users: dict[str, _Record]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"users": [asdict(u) for u in sorted(users.values(), key=lambda u: u.name)]},
                          ensure_ascii=False, indent=1)
        fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".tmp", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(self.path, 0o600)

    # ---------------------------------------------------------------------------------------------- queries
    def has_users(self) -> bool:
        return bool(self._load())

    def list(self) -> list[User]:
        return [r.user() for r in sorted(self._load().values(), key=lambda r: r.name)]

    def get(self, name: str) -> User | None:
        r = self._load().get(name)
        return r.user() if r else None

    def by_id(self, uid: str) -> User | None:
        """The user with that account id (None when removed, even if the name was added again)."""
        r = next((r for r in self._load().values() if r.id == uid), None) if uid else None
        return r.user() if r else None

    def verify(self, name: str, password: str) -> User | None:
        """The user when the password is right, else None (same cost for unknown names)."""
        r = self._load().get(name)
        if r is None:
            check_password(password, *self._dummy)
            return None
        return r.user() if check_password(password, r.salt, r.hash) else None

    # ---------------------------------------------------------------------------------------------- changes
    def add(self, name: str, role: str, password: str, agencies: list[str] | None = None,
            replace: bool = False) -> User:
        if not NAME_RE.fullmatch(name or ""):
            raise AuthError(f"invalid user name '{name}' (letters, digits, . _ @ -; at most 64 characters)")
        if role not in ROLES:
            raise AuthError(f"unknown role '{role}' (one of: {', '.join(ROLES)})")
        if len(password) < MIN_PASSWORD:
            raise AuthError(f"the password must have at least {MIN_PASSWORD} characters")
        ags = list(dict.fromkeys(a.strip() for a in agencies or [] if a.strip()))
        users = dict(self._load())
        if name in users and not replace:
            raise AuthError(f"user '{name}' exists (remove it first, or use --replace)")
        salt, h = hash_password(password)
        users[name] = _Record(name, role, ags, salt, h, time.time(), secrets.token_hex(8))
        self._save(users)
        return users[name].user()

    def remove(self, name: str) -> None:
        users = dict(self._load())
        if name not in users:
            raise AuthError(f"no user '{name}'")
        del users[name]
        self._save(users)

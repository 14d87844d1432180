"""Login for the web UI and its API: a session cookie, a login page, and one ASGI middleware in front of everything.

When login is required, every request (Gradio pages and assets, /config, /gradio_api/* calls, uploads and file
downloads, /source/*) needs a valid ``gugus_session`` cookie; only /login and /logout are open. Browsers are
redirected to /login, other clients get 401. Login is required when the users file has users, and always when
the server listens beyond loopback (``serve`` refuses to start there without users). Without users on loopback,
the UI runs in the single-user mode: everyone is the local operator (``Gugus.local_user()``, admin-equivalent).

API clients log in like the browser: ``POST /login`` with form fields ``username`` and ``password`` answers 200
with the cookie (``gradio_client.Client(url, auth=(name, password))`` does exactly that); a browser form post
(``Accept: text/html``) is redirected to the page it came from.

Sessions are kept in ``<data dir>/sessions.json`` (token hashes and account ids, mode 0600), so a restart keeps
the logins. They end after GUGUS_SESSION_HOURS, on logout, and when the user is removed from the users file: a
session names the account id, which a name removed and added again does not get back. Repeated wrong passwords for one name or from one address are slowed down
(HTTP 429 for a while).
"""
from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request  # at module level: FastAPI resolves the routes' type hints from module globals

from ..accounts.users import User, UsersFileError
from .downloads import DOWNLOADS, file_route_path

log = logging.getLogger(__name__)

COOKIE = "gugus_session"
SESSIONS_FILE = "sessions.json"
OPEN_PATHS = ("/login", "/logout")
MAX_FAILURES = 5  # wrong passwords per name or address ...
FAILURE_WINDOW_S = 300.0  # ... within this window, before login is refused for the rest of it
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


_IPV4 = re.compile(r"127(\.\d{1,3}){3}")


def server_options(settings) -> dict:
    """uvicorn options of `gugus serve`: X-Forwarded-For is believed only from GUGUS_TRUSTED_PROXIES (uvicorn's own
    default trusts it from 127.0.0.1, which let any local client pick its address for the login throttle)."""
    proxies = [x.strip() for x in (getattr(settings, "trusted_proxies", "") or "").split(",") if x.strip()]
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": ",".join(proxies) if proxies else ""}


def host_name(header: str) -> str:
    """The name of a Host header without its port, lower case ('[::1]:7860' -> '::1')."""
    h = (header or "").strip().lower()
    if h.startswith("["):
        return h[1:h.index("]")] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def loopback_name(name: str) -> bool:
    """A Host name that can only mean this machine: localhost, ::1, 127.x.y.z (not '127.0.0.1.evil.example')."""
    return name in ("localhost", "::1") or bool(_IPV4.fullmatch(name))


def allowed_host_names(setting: str) -> set[str]:
    return {host_name(x) for x in (setting or "").split(",") if x.strip()}


class Sessions:
    """token -> (user id, expiry). With a `path`, kept in that file (``<data dir>/sessions.json``, mode 0600, written
    atomically) so a restart keeps the logins; the file holds sha256 hashes of the tokens, never the tokens. A
    damaged file is set aside and logins start afresh (nobody is let in by it)."""

    def __init__(self, ttl_s: float, path: Path | None = None):
        self.ttl_s = ttl_s
        self.path = path
        self._d: dict[str, tuple[str, float]] = {}  # sha256(token) -> (user id, expiry)
        self._lock = threading.Lock()
        if path is not None:
            self._read()

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()

    def _read(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            now = time.time()
            self._d = {str(k): (str(v[0]), float(v[1])) for k, v in data["sessions"].items() if float(v[1]) > now}
        except FileNotFoundError:
            self._d = {}
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
            log.warning("sessions file %s is damaged (%s): everyone logs in again", self.path, e)
            self._d = {}

    def _write(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".sessions-", suffix=".tmp", dir=self.path.parent)
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump({"sessions": {k: list(v) for k, v in self._d.items()}}, f)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:  # the login still works; it just does not survive a restart
            log.error("cannot write sessions file %s: %s", self.path, e)

    def create(self, uid: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._d = {t: v for t, v in self._d.items() if v[1] > now}
            self._d[self._key(token)] = (uid, now + self.ttl_s)
            self._write()
        return token

    def name(self, token: str | None) -> str | None:
        """The user id of a live session (None when unknown or expired)."""
        if not token:
            return None
        with self._lock:
            k = self._key(token)
            v = self._d.get(k)
            if v is None or v[1] <= time.time():
                if self._d.pop(k, None) is not None:
                    self._write()
                return None
            return v[0]

    user_id = name

    def drop(self, token: str | None) -> None:
        with self._lock:
            if self._d.pop(self._key(token or ""), None) is not None:
                self._write()


class Throttle:
    """Counts recent login failures per key; a key is blocked after `limits[kind]` failures within `window_s`.
    Keys: ``pair:<name>@<address>`` (one name from one address, the tight limit) and ``addr:<address>`` (any names
    from one address, a looser one against password spraying). One name's failures never block other users."""

    def __init__(self, max_pair: int = MAX_FAILURES, max_addr: int = 6 * MAX_FAILURES,
                 window_s: float = FAILURE_WINDOW_S) -> None:
        self.limits = {"pair": max_pair, "addr": max_addr, "name": max_pair}
        self.window_s = window_s
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _limit(self, key: str) -> int:
        return self.limits.get(key.split(":", 1)[0], self.limits["pair"])

    def blocked(self, *keys: str) -> bool:
        now = time.time()
        with self._lock:
            return any(len([t for t in self._fails.get(k, []) if now - t < self.window_s]) >= self._limit(k)
                       for k in keys)

    def fail(self, *keys: str) -> None:
        now = time.time()
        with self._lock:
            for k in keys:
                self._fails[k] = [t for t in self._fails.get(k, []) if now - t < self.window_s] + [now]

    def clear(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)


def _cookie(headers: list[tuple[bytes, bytes]] | Any) -> str | None:
    for k, v in headers:
        if k.lower() == b"cookie":
            c = SimpleCookie()
            try:
                c.load(v.decode("latin-1"))
            except Exception:
                continue
            if COOKIE in c:
                return c[COOKIE].value
    return None


class LoginGate:
    """Who is asking: resolves requests to users, installs the login routes and the middleware."""

    def __init__(self, g, require_login: bool = False):
        self.g = g
        # Decided once, here (at start-up), and never changed while the server runs: a login is required when the
        # server listens beyond loopback or when a users file exists, even an empty or damaged one (fails closed).
        # Removing the last user or the file later never switches the login off.
        self.require_login = require_login or g.users.exists()
        self.sessions = Sessions(3600 * g.settings.session_hours, g.settings.data_dir / SESSIONS_FILE)
        self.allowed_hosts = allowed_host_names(getattr(g.settings, "allowed_hosts", ""))
        st = g.settings
        self.throttle = Throttle(getattr(st, "login_max_failures", MAX_FAILURES),
                                 getattr(st, "login_addr_max_failures", 6 * MAX_FAILURES),
                                 getattr(st, "login_failure_window_s", FAILURE_WINDOW_S))

    def host_ok(self, header: str) -> bool:
        """DNS rebinding guard: without login only loopback names; with login also GUGUS_ALLOWED_HOSTS ('*': any)."""
        name = host_name(header)
        if loopback_name(name):
            return True
        return self.login_required() and ("*" in self.allowed_hosts or name in self.allowed_hosts)

    def login_required(self) -> bool:
        return self.require_login

    def _user(self, name: str | None, uid: str | None = None) -> User | None:
        """The user of that name (or account id) now; None when unknown or when the users file cannot be read
        (fails closed)."""
        if not name and not uid:
            return None
        try:
            return self.g.users.by_id(uid) if uid else self.g.users.get(name or "")
        except UsersFileError as e:
            log.error("%s", e)
            return None

    # ---------------------------------------------------------------------------------------------- resolution
    def user_for_token(self, token: str | None) -> User | None:
        """The logged-in user of a session token; the local operator in the single-user mode."""
        if not self.login_required():
            return self.g.local_user()
        # sessions hold the account id: a removed user's sessions end at once, and stay ended when the name is
        # added again (a new account, a new id)
        uid = self.sessions.user_id(token)
        return self._user(None, uid) if uid else None

    def user_for_scope(self, scope: dict) -> User | None:
        return self.user_for_token(_cookie(scope.get("headers") or []))

    def auth_dependency(self, request) -> str | None:
        """For gr.mount_gradio_app(auth_dependency=...): the user name Gradio puts into gr.Request.username."""
        user = self.user_for_token(request.cookies.get(COOKIE))
        return user.name if user else None

    def request_user(self, request) -> User:
        """The user behind a Gradio event (gr.Request: its .username, set by auth_dependency) or a FastAPI
        request (its session cookie). Raises PermissionError when nobody is logged in."""
        if not self.login_required():
            return self.g.local_user()
        import gradio as gr

        user = None
        if isinstance(request, gr.Request):
            user = self._user(getattr(request, "username", None))
        elif request is not None:
            user = self.user_for_token(request.cookies.get(COOKIE))
        if user is None:
            raise PermissionError("login required")
        return user

    # ---------------------------------------------------------------------------------------------- install
    def install(self, app) -> None:
        """Add /login, /logout and the middleware to a FastAPI app (before Gradio is mounted on it)."""
        from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

        @app.get("/login", include_in_schema=False)
        def login_page(next: str = "/"):
            return HTMLResponse(_login_html(_safe_next(next)))

        @app.post("/login", include_in_schema=False)
        async def login(request: Request):
            form = await request.form()
            name, password = str(form.get("username") or ""), str(form.get("password") or "")
            nxt = _safe_next(str(form.get("next") or "/"))
            browser = "text/html" in request.headers.get("accept", "")
            client = request.client.host if request.client else "?"  # the TCP peer unless a trusted proxy
            addr, pair = f"addr:{client}", f"pair:{name}@{client}"
            if self.throttle.blocked(pair, addr):
                msg = "too many failed logins; try again in a few minutes"
                return (HTMLResponse(_login_html(nxt, msg), 429) if browser
                        else JSONResponse({"error": msg}, 429))
            try:
                user = self.g.users.verify(name, password) if name and password else None
            except UsersFileError as e:
                log.error("%s", e)
                msg = "logins are unavailable: the users file is damaged (see the server log)"
                return HTMLResponse(_login_html(nxt, msg), 503) if browser else JSONResponse({"error": msg}, 503)
            if user is None:
                self.throttle.fail(pair, addr)
                msg = "wrong user name or password"
                return HTMLResponse(_login_html(nxt, msg), 401) if browser else JSONResponse({"error": msg}, 401)
            self.throttle.clear(pair)
            token = self.sessions.create(user.id)
            resp = RedirectResponse(nxt, 303) if browser else JSONResponse({"user": user.name, "role": user.role})
            resp.set_cookie(COOKIE, token, max_age=int(self.sessions.ttl_s), httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
            return resp

        @app.api_route("/logout", methods=["GET", "POST"], include_in_schema=False)
        def logout(request: Request):
            self.sessions.drop(request.cookies.get(COOKIE))
            resp = RedirectResponse("/login", 303)
            resp.delete_cookie(COOKIE, path="/")
            return resp

        app.add_middleware(LoginMiddleware, gate=self)


def _safe_next(nxt: str) -> str:
    """Only same-site paths (no //host, no scheme): no open redirect."""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/"


class LoginMiddleware:
    """Pure ASGI (works for streaming responses and websockets): no valid session, no entry."""

    def __init__(self, app, gate: LoginGate):
        self.app, self.gate = app, gate

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            host = next((v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == b"host"), "")
            if not self.gate.host_ok(host):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                body = json.dumps({"error": f"unknown host '{host_name(host)}' (allowed: loopback names"
                                   + (", GUGUS_ALLOWED_HOSTS" if self.gate.login_required() else "") + ")"}).encode()
                await _send(send, 400, body, [(b"content-type", b"application/json")])
                return
        if scope["type"] not in ("http", "websocket") or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        user = self.gate.user_for_scope(scope)
        if user is not None:
            wanted = file_route_path(scope.get("path") or "")
            if wanted is not None and not DOWNLOADS.allowed(user, wanted):
                # Gradio's file routes serve any cached file to anyone with the URL: only the owner's downloads
                body = json.dumps({"error": "not found"}).encode()
                await _send(send, 404, body, [(b"content-type", b"application/json")])
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        if scope.get("method") == "GET" and "text/html" in headers.get("accept", ""):
            path = scope.get("path", "/") + (("?" + scope["query_string"].decode("latin-1"))
                                             if scope.get("query_string") else "")
            await _send(send, 303, b"", [(b"location", f"/login?next={quote(path, safe='')}".encode())])
            return
        body = json.dumps({"error": "login required", "login": "/login"}).encode()
        await _send(send, 401, body, [(b"content-type", b"application/json")])


async def _send(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


def _login_html(nxt: str, error: str | None = None) -> str:
    err = f"<p class='err'>{html.escape(error)}</p>" if error else ""
    return (
        "<!doctype html><html lang='id'><head><meta charset='utf-8'><title>Gugus: masuk</title>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'><style>"
        "body{font-family:system-ui,sans-serif;max-width:22em;margin:12vh auto;padding:0 1em}"
        "label{display:block;margin:.8em 0 .2em}input{width:100%;padding:.45em;box-sizing:border-box}"
        "button{margin-top:1.2em;padding:.5em 1.4em}.err{color:#b00020}</style></head><body>"
        "<h2>Gugus</h2><p>Masuk untuk melanjutkan / Log in to continue.</p>" + err +
        "<form method='post' action='/login'>"
        f"<input type='hidden' name='next' value='{html.escape(nxt, quote=True)}'>"
        "<label for='u'>Nama pengguna / User name</label>"
        "<input id='u' name='username' autocomplete='username' required autofocus>"
        "<label for='p'>Kata sandi / Password</label>"
        "<input id='p' name='password' type='password' autocomplete='current-password' required>"
        "<button type='submit'>Masuk / Log in</button></form></body></html>")

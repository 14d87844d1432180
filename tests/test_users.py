"""Accounts (app/accounts/users.py), `gugus users`, the single-user mode and its limits, catalog access levels."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner


@pytest.fixture
def store(tmp_path):
    from gugus.app.accounts.users import UserStore

    return UserStore(tmp_path / "data" / "users.json")


def test_users_file_hashes_passwords_and_is_private(store):
    store.add("ani", "reader", "rahasia-ani-1", ["Kemensos", "LPSK"])
    store.add("budi", "admin", "rahasia-budi-1")
    raw = store.path.read_text()
    assert "rahasia-ani-1" not in raw and "rahasia-budi-1" not in raw
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert [p.name for p in store.path.parent.iterdir()] == ["users.json"]  # no temp file left behind
    recs = {u["name"]: u for u in json.loads(raw)["users"]}
    assert recs["ani"]["salt"] != recs["budi"]["salt"] and len(recs["ani"]["hash"]) == 64
    ani = store.verify("ani", "rahasia-ani-1")
    assert ani is not None and ani.role == "reader" and ani.agencies == ("Kemensos", "LPSK")
    assert store.verify("ani", "rahasia-ani-2") is None
    assert store.verify("nobody", "rahasia-ani-1") is None
    assert store.verify("ani", "") is None


def test_users_add_validates_and_remove(store):
    from gugus.app.accounts.users import AuthError

    store.add("ani", "editor", "rahasia-ani-1")
    with pytest.raises(AuthError, match="exists"):
        store.add("ani", "reader", "rahasia-ani-2")
    store.add("ani", "reader", "rahasia-ani-2", replace=True)
    assert store.verify("ani", "rahasia-ani-2").role == "reader"
    with pytest.raises(AuthError, match="role"):
        store.add("cici", "superuser", "rahasia-cici-1")
    with pytest.raises(AuthError, match="at least"):
        store.add("cici", "reader", "short")
    with pytest.raises(AuthError, match="invalid user name"):
        store.add("../cici", "reader", "rahasia-cici-1")
    store.remove("ani")
    assert store.get("ani") is None and not store.has_users()
    with pytest.raises(AuthError, match="no user"):
        store.remove("ani")


def test_a_second_store_sees_changes(store):
    """A running server re-reads the file: users added or removed by the CLI apply at once."""
    from gugus.app.accounts.users import UserStore

    other = UserStore(store.path)
    assert not other.has_users()
    store.add("ani", "reader", "rahasia-ani-1")
    assert other.get("ani") is not None
    store.remove("ani")
    assert other.get("ani") is None


def test_scopes():
    from gugus.app.accounts.users import User, local_user, scope_for
    from gugus.index.access import AccessScope

    assert scope_for(User("a", "admin")) is None
    assert scope_for(local_user()) is None
    assert scope_for(User("r", "reader", ("Kemensos",))) == AccessScope(agencies=("Kemensos",))
    assert scope_for(User("e", "editor")) == AccessScope()
    assert scope_for(None) == AccessScope.public_only()
    s = AccessScope(agencies=("Kemensos",))
    assert s.allows_doc("internal", []) and s.allows_doc("restricted", ["LPSK", "Kemensos"])
    assert not s.allows_doc("restricted", ["LPSK"]) and not s.allows_doc("restricted", [])
    assert not s.matches({"access": "secret"})  # an unknown level is never matched
    assert not AccessScope.public_only().allows_doc("internal", [])


def test_cli_users(tmp_path):
    from gugus.app.cli.main import cli

    data = str(tmp_path / "d")
    run = lambda *a, **kw: CliRunner().invoke(cli, ["--data-dir", data, "users", *a], **kw)  # noqa: E731
    r = run("add", "ani", "--role", "reader", "--agency", "Kemensos", "--agency", "LPSK", "--password-stdin",
            input="rahasia-ani-1\n")
    assert r.exit_code == 0, r.output
    r = run("add", "budi", "--role", "admin", input="rahasia-budi-1\nrahasia-budi-1\n")  # prompted twice
    assert r.exit_code == 0, r.output
    r = run("list", "--json")
    assert json.loads(r.output) == [{"name": "ani", "role": "reader", "agencies": ["Kemensos", "LPSK"]},
                                    {"name": "budi", "role": "admin", "agencies": []}]
    assert "hash" not in r.output and "salt" not in r.output
    r = run("add", "cici", "--role", "reader", "--password-stdin", input="short\n")
    assert r.exit_code == 2 and "at least" in r.output
    r = run("add", "cici", "--role", "owner", "--password-stdin", input="rahasia-cici-1\n")
    assert r.exit_code == 2
    r = run("remove", "ani")
    assert r.exit_code == 0
    r = run("remove", "ani")
    assert r.exit_code == 2 and "no user" in r.output
    r = run("list")
    assert "budi" in r.output and "ani" not in r.output


def _fake_gugus(tmp_path: Path):
    from gugus.app.accounts.users import UserStore, local_user
    from gugus.app.settings import Settings

    s = Settings(_env_file=None, data_dir=tmp_path / "d")
    return SimpleNamespace(settings=s, users=UserStore(s.users_path), local_user=lambda: local_user(s.user))


def test_serve_refuses_public_host_without_users(tmp_path, capsys):
    from gugus.app.web.app import serve

    g = _fake_gugus(tmp_path)
    with pytest.raises(SystemExit) as e:
        serve(g, host="0.0.0.0", port=1)
    assert "Refusing to serve on 0.0.0.0" in str(e.value) and "gugus users add" in str(e.value)


def test_single_user_mode_only_on_loopback_without_users(tmp_path):
    from gugus.app.web.auth import LoginGate, is_loopback

    g = _fake_gugus(tmp_path)
    local = LoginGate(g, require_login=False)
    assert not local.login_required() and local.user_for_token(None).local
    assert LoginGate(g, require_login=True).user_for_token(None) is None  # beyond loopback: always a login
    g.users.add("ani", "reader", "rahasia-ani-1")
    assert not local.login_required()  # decided at start-up (issue 10, item 2): a restart turns the login on
    restarted = LoginGate(g, require_login=False)
    assert restarted.login_required() and restarted.user_for_token(None) is None  # users exist: login
    with pytest.raises(PermissionError):
        restarted.request_user(None)
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and not is_loopback("0.0.0.0")


def test_session_expiry_and_throttle(monkeypatch):
    from gugus.app.web import auth as webauth

    s = webauth.Sessions(ttl_s=10)
    tok = s.create("ani")
    assert s.name(tok) == "ani" and s.name("other") is None
    now = webauth.time.time()
    monkeypatch.setattr(webauth.time, "time", lambda: now + 11)
    assert s.name(tok) is None
    t = webauth.Throttle()
    for _ in range(webauth.MAX_FAILURES):
        assert not t.blocked("name:ani")
        t.fail("name:ani")
    assert t.blocked("name:ani") and not t.blocked("name:budi")


@pytest.mark.parametrize("entry,expected", [
    ({}, ("public", [])),
    ({"access": "internal"}, ("internal", [])),
    ({"access": "restricted", "access_agencies": ["Kemensos", "LPSK"]}, ("restricted", ["Kemensos", "LPSK"])),
    ({"access": "restricted: Kemensos, LPSK"}, ("restricted", ["Kemensos", "LPSK"])),
    ({"access": "Restricted", "access_agencies": "Kemensos,LPSK"}, ("restricted", ["Kemensos", "LPSK"])),
    ({"access": "restricted"}, ("restricted", [])),
])
def test_catalog_access_forms(entry, expected):
    from gugus.ingest.catalog import catalog_access

    assert catalog_access(entry) == expected


@pytest.mark.parametrize("entry,message", [
    ({"access": "secret"}, "unknown access"),
    ({"access": "public", "access_agencies": ["Kemensos"]}, "only 'restricted'"),
    ({"access": "restricted", "access_agencies": 5}, "must be a list"),
])
def test_catalog_access_errors(entry, message):
    from gugus.ingest.catalog import catalog_access
    from gugus.ingest.types import IngestError

    with pytest.raises(IngestError, match=message):
        catalog_access(entry)

"""People and API tokens: passwords and tokens are kept only as hashes."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass

from .model import NotFound, ValidationError, utcnow
from .store import Store

ROLES = ("admin", "editor", "viewer")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
# Last-use times are written at most this often, so reading does not become a stream of writes.
TOUCH_EVERY_SECONDS = 60
# Session rows older than this are deleted (a login lasts a working day; this is ample).
SESSION_ROWS_KEPT_DAYS = 7


@functools.cache
def _dummy_hash() -> str:
    """A real hash to check against when the name is unknown, so timing does not reveal names."""
    return generate_password_hash("not-a-real-password-0")


# werkzeug (a tenth of a second to import) is needed only where a password is checked or set:
# the command line's other commands start without it.
def generate_password_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash as make

    return make(password)


def check_password_hash(pwhash: str, password: str) -> bool:
    from werkzeug.security import check_password_hash as check

    return check(pwhash, password)


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    created_at: str = ""
    disabled: bool = False


def _user(row: tuple) -> User:
    uid, name, role, created_at, disabled = row
    return User(uid, name, role, created_at or "", bool(disabled))


_COLUMNS = "id, name, role, created_at, disabled"


def add_user(store: Store, name: str, role: str, password: str, actor: str = "") -> User:
    """Create a person who can log in; refused if the name is taken or the password too short."""
    if not NAME_PATTERN.match(name or ""):
        raise ValidationError("name", "must be 1–64 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    with store.write() as conn:
        if conn.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise ValidationError("name", f"a user called {name} already exists")
        conn.execute(
            "INSERT INTO users (name, role, password_hash, created_at, disabled) "
            "VALUES (?, ?, ?, ?, 0)",
            [name, role, generate_password_hash(password), utcnow()],
        )
        store._audit(conn, actor, "user-add", None, f"{name} ({role})")
    return get_user(store, name)


def set_password(store: Store, name: str, password: str, actor: str = "") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    get_user(store, name)
    with store.write() as conn:
        conn.execute(
            "UPDATE users SET password_hash = ? WHERE name = ?",
            [generate_password_hash(password), name],
        )
        _end_all(conn, name)
        store._audit(conn, actor, "password-change", None, name)


def set_role(store: Store, name: str, role: str, actor: str = "") -> User:
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    get_user(store, name)
    with store.write() as conn:
        changed = conn.execute(
            "UPDATE users SET role = ? WHERE name = ? AND role != ?", [role, name, role]
        ).rowcount
        if changed:
            _end_all(conn, name)
        store._audit(conn, actor, "role-change", None, f"{name} -> {role}")
    return get_user(store, name)


def set_disabled(store: Store, name: str, disabled: bool, actor: str = "") -> User:
    get_user(store, name)
    with store.write() as conn:
        conn.execute("UPDATE users SET disabled = ? WHERE name = ?", [int(disabled), name])
        if disabled:
            conn.execute(
                "DELETE FROM tokens WHERE user_id = (SELECT id FROM users WHERE name = ?)", [name]
            )
            _end_all(conn, name)
        store._audit(conn, actor, "user-disable" if disabled else "user-enable", None, name)
    return get_user(store, name)


def get_user(store: Store, name: str) -> User:
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", [name]).fetchone()
    if row is None:
        raise NotFound(f"user {name}")
    return _user(row)


def get_user_by_id(store: Store, user_id: int) -> User | None:
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", [user_id]).fetchone()
    return _user(row) if row else None


def list_users(store: Store) -> list[User]:
    return [_user(r) for r in store.conn.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name")]


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the name and password match an enabled account, else None."""
    row = store.conn.execute(
        f"SELECT {_COLUMNS}, password_hash FROM users WHERE name = ?", [name or ""]
    ).fetchone()
    if row is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    user = _user(row[:5])
    if user.disabled or not check_password_hash(row[5], password or ""):
        return None
    return user


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so one fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, name: str, actor: str = "") -> str:
    """A new API token for the user; only its hash is kept, so it is shown once."""
    user = get_user(store, name)
    token = "wm2u_" + secrets.token_urlsafe(32)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)",
            [user.id, _token_hash(token), utcnow()],
        )
        store._audit(conn, actor or name, "token-create", None, name)
    return token


_USER_COLUMNS = ", ".join("u." + c.strip() for c in _COLUMNS.split(","))


def user_for_token(store: Store, token: str) -> User | None:
    """The enabled user a bearer token belongs to, or None; notes when the token was used."""
    if not token or len(token) > 200:
        return None
    row = store.conn.execute(
        f"SELECT {_USER_COLUMNS}, t.id, t.last_used_at FROM tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
        [_token_hash(token)],
    ).fetchone()
    if row is None:
        return None
    user = _user(row[:5])
    if user.disabled:
        return None
    _touch(store, "tokens", "last_used_at", row[5], row[6])
    return user


def _touch(store: Store, table: str, column: str, key: int | str, last: str | None) -> None:
    """Set a last-use time to now, unless it was set less than a minute ago."""
    now = utcnow()
    if last and _seconds_between(last, now) < TOUCH_EVERY_SECONDS:
        return
    try:
        with store.write() as conn:
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", [now, key])
    except sqlite3.OperationalError:
        pass  # a busy database must not refuse a request over a bookkeeping time


def _seconds_between(earlier: str, later: str) -> float:
    try:
        gap = dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(earlier)
    except ValueError:
        return float("inf")
    return gap.total_seconds()


# --- sessions: one a login, so that logging out on one device leaves the others signed in ---


def _session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(store: Store, user_id: int) -> str:
    """A new session for the user; returns its random id (only its hash is kept)."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(days=SESSION_ROWS_KEPT_DAYS)
    with store.write() as conn:
        conn.execute(
            "DELETE FROM sessions WHERE created_at < ?", [stale.isoformat().replace("+00:00", "Z")]
        )
        conn.execute(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
            [_session_hash(session_id), user_id, now, now],
        )
    return session_id


def session_user(store: Store, session_id: str) -> User | None:
    """The enabled user of a session that has not ended, or None; notes when it was last used."""
    if not session_id or len(session_id) > 200:
        return None
    key = _session_hash(session_id)
    row = store.conn.execute(
        f"SELECT {_USER_COLUMNS}, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.id = ? AND s.ended_at IS NULL",
        [key],
    ).fetchone()
    if row is None:
        return None
    user = _user(row[:5])
    if user.disabled:
        return None
    _touch(store, "sessions", "last_seen_at", key, row[5])
    return user


def end_session(store: Store, session_id: str) -> None:
    """End one session (logging out on one device)."""
    with store.write() as conn:
        conn.execute(
            "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
            [utcnow(), _session_hash(session_id or "")],
        )


def end_all_sessions(store: Store, name: str) -> None:
    """End every session of a user (on every device)."""
    with store.write() as conn:
        _end_all(conn, name)


def _end_all(conn: sqlite3.Connection, name: str) -> None:
    conn.execute(
        "UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL "
        "AND user_id = (SELECT id FROM users WHERE name = ?)",
        [utcnow(), name],
    )

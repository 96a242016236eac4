"""People and API tokens: passwords and tokens are kept only as hashes."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from .model import NotFound, ValidationError, utcnow
from .store import Store

ROLES = ("admin", "editor", "viewer")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8

@functools.cache
def _dummy_hash() -> str:
    """A real hash to check against when the name is unknown, so timing does not reveal names."""
    return generate_password_hash("not-a-real-password-0")


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
        store._audit(conn, actor, "password-change", None, name)


def set_role(store: Store, name: str, role: str, actor: str = "") -> User:
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    get_user(store, name)
    with store.write() as conn:
        conn.execute("UPDATE users SET role = ? WHERE name = ?", [role, name])
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


def user_for_token(store: Store, token: str) -> User | None:
    """The enabled user a bearer token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    row = store.conn.execute(
        f"SELECT {', '.join('u.' + c.strip() for c in _COLUMNS.split(','))} FROM tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
        [_token_hash(token)],
    ).fetchone()
    if row is None:
        return None
    user = _user(row)
    return None if user.disabled else user

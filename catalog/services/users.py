"""Accounts: creation, password checks with throttling, API tokens and memberships."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import policy
from ..models import ApiToken, LoginAttempt, Membership, Organization, User, utcnow
from ..schemas.accounts import MembershipInput, TokenInput, UserInput
from . import audit
from .actor import Actor
from .common import field_error, load, org_by_code

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
#: A hash to check against when the account does not exist, so that timing does not tell.
_DUMMY_HASH = _hasher.hash("not a real password")
TOKEN_PREFIX = "vdc_"  # noqa: S105 - a marker that tells our tokens apart, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(user: User | None, password: str) -> bool:
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and user is not None and user.password_hash is not None


def create_user(session: Session, actor: Actor, raw: Mapping[str, Any]) -> User:
    policy.require(actor.reader.is_admin)
    data = load(UserInput(), raw)
    email = data["email"].lower()
    if session.scalar(select(User.id).where(User.email == email)):
        raise field_error("email", gettext("An account with this e-mail address already exists."))
    user = User(
        email=email,
        name=data["name"],
        password_hash=hash_password(data["password"]),
        is_admin=data["is_admin"],
        locale=data.get("locale"),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, label=email,
                 after={"email": email, "name": user.name, "is_admin": user.is_admin})
    return user


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    policy.require(actor.reader.is_admin or actor.user_id == user.id)
    load(UserInput(only=("password",)), {"password": password})
    user.password_hash = hash_password(password)
    audit.record(session, actor, "password", "user", user.id, label=user.email)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked_minutes: int = 0
    #: the address must wait this long before its next try (a slowed address, not a lock)
    retry_seconds: int = 0


#: the longest an address is made to wait between two tries
ADDRESS_DELAY_CAP_SECONDS = 60


def address_delay(failures: int, max_failures: int) -> int:
    """Seconds an address waits after its last failure: nothing up to `max_failures` failures,
    then 1, 2, 4 … seconds up to a minute. A whole agency behind one NAT address is slowed, never
    locked out, while a guesser gets about one try a minute."""
    if failures < max_failures:
        return 0
    return min(2 ** (failures - max_failures), ADDRESS_DELAY_CAP_SECONDS)


def authenticate(
    session: Session, email: str, password: str, ip: str, *, max_failures: int, lockout_minutes: int
) -> LoginResult:
    """Check a password, refusing (without checking) after too many recent failures.

    An account that failed `max_failures` times since its last success is paused for
    `lockout_minutes`. An address that failed often is slowed (see `address_delay`), not paused,
    since agencies share NAT addresses: a colleague's right password still gets through after a
    few seconds.
    """
    email = email.strip().lower()
    now = utcnow()
    since = now - timedelta(minutes=lockout_minutes)
    if _recent_failures(session, LoginAttempt.email == email, email_key=email, since=since) >= max_failures:
        session.add(LoginAttempt(email=email, ip=ip, at=now, success=False))
        return LoginResult(None, locked_minutes=lockout_minutes)
    failures, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at > since)
    ).one()
    wait = address_delay(failures or 0, max_failures)
    if wait and last is not None:
        if last.tzinfo is None:
            last = last.replace(tzinfo=now.tzinfo)
        remaining = wait - (now - last).total_seconds()
        if remaining > 0:
            return LoginResult(None, retry_seconds=max(1, math.ceil(remaining)))
    user = session.scalar(select(User).where(User.email == email))
    ok = _password_matches(user, password) and user is not None and user.active
    session.add(LoginAttempt(email=email, ip=ip, at=now, success=ok))
    if not ok:
        return LoginResult(None)
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return LoginResult(user)


def _recent_failures(session: Session, who: Any, *, since: datetime, email_key: str | None = None) -> int:
    last_success = None
    if email_key is not None:
        last_success = session.scalar(
            select(func.max(LoginAttempt.at)).where(LoginAttempt.email == email_key, LoginAttempt.success.is_(True))
        )
    start = max(since, last_success) if last_success else since
    return session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            who, LoginAttempt.success.is_(False), LoginAttempt.at > start
        )
    ) or 0


# --- API tokens ---------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: Actor, user: User, raw: Mapping[str, Any]) -> tuple[ApiToken, str]:
    """A new token; the clear value is returned once and only its hash is kept."""
    policy.require(actor.reader.is_admin or actor.user_id == user.id)
    data = load(TokenInput(), raw)
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = data.get("expires_in_days")
    token = ApiToken(
        user=user,
        name=data["name"],
        prefix=clear[:12],
        token_hash=_digest(clear),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "create", "api_token", token.id, label=f"{user.email}: {token.name}")
    return token, clear


def user_for_token(session: Session, clear: str) -> User | None:
    if not clear.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(clear)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at < now):
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Written at most every few minutes, on its own connection so that it never commits
        # (or is rolled back with) the request's own work.
        with session.get_bind().begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token.user


def revoke_token(session: Session, actor: Actor, token: ApiToken) -> None:
    policy.require(actor.reader.is_admin or actor.user_id == token.user_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(session, actor, "revoke", "api_token", token.id, label=f"{token.user.email}: {token.name}")


# --- memberships --------------------------------------------------------------------------------


def set_membership(session: Session, actor: Actor, raw: Mapping[str, Any]) -> Membership:
    """Give a user a role in an organisation (or change it)."""
    data = load(MembershipInput(), raw)
    org = org_by_code(session, data["organization"], "organization")
    policy.require(policy.can_manage_members(actor.reader, org))
    user = session.scalar(select(User).where(User.email == data["email"].lower()))
    if user is None:
        raise field_error("email", gettext("No account has this e-mail address."))
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organization_id == org.id)
    )
    before = {"role": membership.role} if membership else None
    if membership is None:
        membership = Membership(user=user, organization=org, role=data["role"])
        session.add(membership)
    elif membership.role == data["role"]:
        return membership
    membership.role = data["role"]
    session.flush()
    audit.record(session, actor, "grant_role", "membership", membership.id, label=f"{user.email} @ {org.code}",
                 organization_id=org.id, before=before, after={"role": membership.role, "user": user.email})
    return membership


def remove_membership(session: Session, actor: Actor, membership: Membership) -> None:
    org: Organization = membership.organization
    policy.require(policy.can_manage_members(actor.reader, org))
    audit.record(session, actor, "revoke_role", "membership", membership.id,
                 label=f"{membership.user.email} @ {org.code}", organization_id=org.id,
                 before={"role": membership.role, "user": membership.user.email})
    session.delete(membership)
    session.flush()

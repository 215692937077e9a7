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
from ..models import SCOPES, AccountLink, ApiToken, LoginAttempt, Membership, Organization, User, utcnow
from ..schemas.accounts import MembershipInput, PasswordChangeInput, TokenInput, UserInput
from . import audit
from .actor import Actor
from .common import NotFound, field_error, load, org_by_code

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
#: A hash to check against when the account does not exist, so that timing does not tell.
_DUMMY_HASH = _hasher.hash("not a real password")
TOKEN_PREFIX = "vdc_"  # noqa: S105 - a marker that tells our tokens apart, not a secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Checks a password in the same time whether or not the account exists."""
    return _password_matches(user, password)


def _password_matches(user: User | None, password: str) -> bool:
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and user is not None and user.password_hash is not None


def create_user(session: Session, actor: Actor, raw: Mapping[str, Any], *, temporary: bool = False) -> User:
    """An account with a password (the first administrator, demo accounts, tests). People are
    otherwise invited and choose their own; `temporary` makes them change this one at first sign-in."""
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
        must_change_password=temporary,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", user.id, label=email,
                 after={"email": email, "name": user.name, "is_admin": user.is_admin})
    return user


def person_actor(user: User, ip: str | None = None) -> Actor:
    """A person acting on their own account (a link they were sent, their own password)."""
    return Actor(reader=policy.Reader(user_id=user.id), label=user.email, ip=ip)


def change_password(session: Session, actor: Actor, user: User, raw: Mapping[str, Any]) -> None:
    """One's own password, changed with the current one; a password someone else chose must change."""
    policy.require(actor.user_id == user.id)
    data = load(PasswordChangeInput(), raw)
    if not _password_matches(user, data["current"]):
        raise field_error("current", gettext("The current password is wrong."))
    if data["password"] != data["confirm"]:
        raise field_error("confirm", gettext("The two passwords differ."))
    if data["password"] == data["current"]:
        raise field_error("password", gettext("Choose a password different from the current one."))
    user.password_hash = hash_password(data["password"])
    user.must_change_password = False
    # reset links asked for before the change stop working
    session.execute(update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
                    .values(used_at=utcnow()))
    audit.record(session, actor, "change_password", "user", user.id, label=user.email)


# --- administrators -----------------------------------------------------------------------------


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.is_admin.is_(True),
                                                                        User.active.is_(True))) or 0


def _guard_admin_loss(session: Session, actor: Actor, user: User, what: str) -> None:
    """Refuse to lock, demote or remove one's own account, or the last active administrator."""
    if actor.user_id == user.id:
        raise field_error("_schema", gettext(
            "You cannot lock, demote or remove your own account; ask another administrator."))
    if user.is_admin and user.active and _active_admins(session) <= 1:
        messages = {
            "lock": gettext("%(email)s is the last administrator and cannot be locked; make another account "
                            "administrator first.", email=user.email),
            "demote": gettext("%(email)s is the last administrator and cannot be demoted; make another account "
                              "administrator first.", email=user.email),
            "remove": gettext("%(email)s is the last administrator and cannot be removed; make another account "
                              "administrator first.", email=user.email),
        }
        raise field_error("_schema", messages[what])


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    policy.require(actor.reader.is_admin)
    if user.active == active:
        return
    if not active:
        _guard_admin_loss(session, actor, user, "lock")
    user.active = active
    audit.record(session, actor, "activate" if active else "deactivate", "user", user.id, label=user.email)


def set_admin(session: Session, actor: Actor, user: User, is_admin: bool) -> None:
    policy.require(actor.reader.is_admin)
    if user.is_admin == is_admin:
        return
    if not is_admin:
        _guard_admin_loss(session, actor, user, "demote")
    user.is_admin = is_admin
    audit.record(session, actor, "grant_admin" if is_admin else "revoke_admin", "user", user.id, label=user.email,
                 before={"is_admin": not is_admin}, after={"is_admin": is_admin})


def delete_user(session: Session, actor: Actor, user: User) -> None:
    policy.require(actor.reader.is_admin)
    _guard_admin_loss(session, actor, user, "remove")
    audit.record(session, actor, "delete", "user", user.id, label=user.email,
                 before={"email": user.email, "is_admin": user.is_admin})
    session.delete(user)
    session.flush()


def find_account(session: Session, text: str) -> User:
    """An account picked by its e-mail address or its name (which must then be unambiguous)."""
    text = (text or "").strip()
    if not text:
        raise field_error("account", gettext("Type the name or the e-mail address of the account."))
    user = session.scalar(select(User).where(User.email == text.lower()))
    if user is not None:
        return user
    matches = session.scalars(select(User).where(func.lower(User.name) == text.lower()).limit(2)).all()
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise field_error("account", gettext("Several accounts have this name; use the e-mail address."))
    raise field_error("account", gettext("No account has this name or e-mail address; invite the person instead."))


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


def own_token(session: Session, user_id: str, token_id: str) -> ApiToken:
    """One of the person's own tokens; anyone else's answers as missing."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound(token_id)
    return token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def allowed_scopes(user: User) -> tuple[str, ...]:
    """The scopes a token of this account may hold: admin only for administrators and stewards."""
    manages = user.is_admin or any(m.role == "steward" for m in user.memberships)
    return tuple(s for s in SCOPES if s != "admin" or manages)


def create_token(
    session: Session, actor: Actor, user: User, raw: Mapping[str, Any], *, within: frozenset[str] | None = None
) -> tuple[ApiToken, str]:
    """A new token; the clear value is returned once and only its hash is kept.

    `within` bounds the scopes when the request itself came with a token, so that a token can
    never mint a more powerful one.
    """
    policy.require(actor.reader.is_admin or actor.user_id == user.id)
    data = load(TokenInput(), raw)
    scopes = list(dict.fromkeys(data["scopes"]))
    for scope in scopes:
        if scope not in allowed_scopes(user) or (within is not None and scope not in within):
            raise field_error("scopes", gettext("This account may not give a token the “%(scope)s” scope.",
                                                scope=scope))
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = data.get("expires_in_days")
    token = ApiToken(
        user=user,
        name=data["name"],
        prefix=clear[:12],
        token_hash=_digest(clear),
        scopes=" ".join(s for s in SCOPES if s in scopes),
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    expires = token.expires_at.isoformat() if token.expires_at else None
    audit.record(session, actor, "create", "api_token", token.id, label=f"{user.email}: {token.name}",
                 after={"scopes": token.scopes, "expires_at": expires})
    return token, clear


@dataclass(frozen=True)
class TokenCheck:
    """A presented token: the token when it may be used, otherwise why not."""

    token: ApiToken | None
    problem: str | None = None  # unknown, expired, revoked, inactive


def check_token(session: Session, clear: str) -> TokenCheck:
    if not clear.startswith(TOKEN_PREFIX):
        return TokenCheck(None, "unknown")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(clear)))
    now = utcnow()
    if token is None:
        return TokenCheck(None, "unknown")
    if token.revoked_at is not None:
        return TokenCheck(None, "revoked")
    if token.expires_at and token.expires_at < now:
        return TokenCheck(None, "expired")
    if not token.user.active:
        return TokenCheck(None, "inactive")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Written at most every few minutes, on its own connection so that it never commits
        # (or is rolled back with) the request's own work.
        with session.get_bind().begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return TokenCheck(token)


def user_for_token(session: Session, clear: str) -> User | None:
    token = check_token(session, clear).token
    return token.user if token is not None else None


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

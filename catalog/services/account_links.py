"""Single-use links e-mailed to a person: invitations into an agency, and password resets.

Nobody types another person's password: an invitation makes the account (without a password) and
its role at once, and the link lets the person choose their own password, which signs them in.
A link is random, kept only as its SHA-256, works once and expires (`CATALOG_INVITATION_DAYS`,
`CATALOG_PASSWORD_RESET_MINUTES`); a new link of the same kind replaces the older ones.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import policy
from ..models import AccountLink, Membership, Organization, User, utcnow
from ..schemas.accounts import InvitationInput, NewPasswordInput
from . import audit, notifications, users
from .actor import Actor
from .common import field_error, load, org_by_code

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of link, not a secret
_SYSTEM_INVITER = _l("The administrators of the portal")
#: Reset links e-mailed to one account within one link lifetime, at most.
MAX_RESETS_PER_PERIOD = 3
_PATHS = {INVITATION: "/invitation/", PASSWORD_RESET: "/password/reset/"}


def _digest(clear: str) -> str:
    return hashlib.sha256(clear.encode("utf-8")).hexdigest()


def _cfg() -> dict[str, Any]:
    return current_app.config["CATALOG"]


def url_for_link(kind: str, clear: str) -> str:
    return _cfg()["BASE_URL"].rstrip("/") + _PATHS[kind] + clear


def _issue(session: Session, user: User, kind: str, lifetime: timedelta, *, by: str | None,
           org: Organization | None = None, role: str | None = None) -> tuple[AccountLink, str]:
    """A fresh link; the person's older unused links of this kind stop working."""
    now = utcnow()
    session.execute(update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.kind == kind,
                                              AccountLink.used_at.is_(None)).values(used_at=now))
    clear = secrets.token_urlsafe(32)
    link = AccountLink(kind=kind, user=user, token_hash=_digest(clear), organization=org, role=role,
                       created_by=by, created_at=now, expires_at=now + lifetime)
    session.add(link)
    session.flush()
    return link, clear


# --- invitations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    user: User
    #: The link to send (None when the address already had an account: it simply got the role).
    url: str | None
    expires_at: Any = None


def invite(session: Session, actor: Actor, raw: Mapping[str, Any]) -> Invitation:
    """Invite a person by e-mail into an agency with a role (or, for site administrators, as one).

    Stewards invite into their own agencies and never as site administrators. An address that
    already has an account with a password is given the role at once, without a link.
    """
    data = load(InvitationInput(), raw)
    reader = actor.reader
    org = org_by_code(session, data["organization"], "organization") if data.get("organization") else None
    role = data.get("role")
    if org is not None:
        policy.require(policy.can_manage_members(reader, org))
        if not role:
            raise field_error("role", gettext("Choose the role the person will have in the agency."))
    else:
        policy.require(reader.is_admin)
        if not data["is_admin"]:
            raise field_error("organization", gettext("Choose the agency the person joins."))
    if data["is_admin"]:
        policy.require(reader.is_admin)
    email = data["email"].lower()
    user = session.scalar(select(User).where(User.email == email))
    existed = user is not None and user.password_hash is not None
    if user is None:
        user = User(email=email, name=data.get("name") or email.split("@")[0], password_hash=None,
                    is_admin=False, locale=data.get("locale"))
        session.add(user)
        session.flush()
    elif not user.active:
        raise field_error("email", gettext("This account is deactivated; an administrator must reactivate it."))
    if data["is_admin"] and not user.is_admin:
        user.is_admin = True
    if org is not None and role:
        users.set_membership(session, actor, {"email": email, "organization": org.code, "role": role})
    audit.record(session, actor, "invite", "user", user.id, label=email,
                 organization_id=org.id if org else None,
                 after={"organization": org.code if org else None, "role": role, "is_admin": data["is_admin"],
                        "link": not existed})
    if existed:
        return Invitation(user, None)
    days = _cfg()["INVITATION_DAYS"]
    link, clear = _issue(session, user, INVITATION, timedelta(days=days), by=actor.label, org=org, role=role)
    url = url_for_link(INVITATION, clear)
    from ..web import labels  # role names are the pages' own labels

    inviter = session.get(User, actor.user_id) if actor.user_id else None
    role_names, inviter_names = {}, {}
    for loc in ("vi", "en"):
        with force_locale(loc):
            role_names[loc] = labels.label(labels.ROLES, role) if role else ""
            # an invitation from the command line comes from the portal's administrators
            inviter_names[loc] = f"{inviter.name} ({inviter.email})" if inviter else str(_SYSTEM_INVITER)
    params: dict[str, Any] = {"inviter": inviter_names, "expires_at": link.expires_at.isoformat(),
                              "role": role_names}
    if org is not None:
        params["organization"] = {"vi": org.name_vi, "en": org.name_en or org.name_vi}
    notifications.email_person(session, user, "invitation" if org is not None else "invitation_admin", params, url)
    return Invitation(user, url, link.expires_at)


# --- password resets ----------------------------------------------------------------------------


def request_reset(session: Session, email: str, ip: str | None = None) -> str | None:
    """E-mail a reset link if an active account has this address; answer the same either way.

    The caller shows one page whatever happens; the token is drawn and hashed in both cases and
    the e-mail leaves in the background, so the answer's timing does not tell either.
    """
    email = (email or "").strip().lower()
    clear = secrets.token_urlsafe(32)
    _digest(clear)
    user = session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.active:
        return None
    minutes = _cfg()["PASSWORD_RESET_MINUTES"]
    recent = session.scalar(select(func.count()).select_from(AccountLink).where(
        AccountLink.user_id == user.id, AccountLink.kind == PASSWORD_RESET,
        AccountLink.created_at > utcnow() - timedelta(minutes=minutes)))
    if (recent or 0) >= MAX_RESETS_PER_PERIOD:
        return None  # nobody fills a mailbox by asking again and again; the last links still work
    link, clear = _issue(session, user, PASSWORD_RESET, timedelta(minutes=minutes), by=ip)
    url = url_for_link(PASSWORD_RESET, clear)
    audit.record(session, users.person_actor(user, ip), "request_password_reset", "user", user.id, label=user.email)
    notifications.email_person(session, user, "password_reset", {"expires_at": link.expires_at.isoformat()}, url)
    return url


def reset_link_for_cli(session: Session, actor: Actor, email: str) -> str:
    """A reset link for an administrator to hand over (the CLI prints it); nothing is e-mailed."""
    policy.require(actor.reader.is_admin)
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise field_error("email", gettext("No account has this e-mail address."))
    _link, clear = _issue(session, user, PASSWORD_RESET, timedelta(minutes=_cfg()["PASSWORD_RESET_MINUTES"]),
                         by=actor.label)
    audit.record(session, actor, "issue_password_reset", "user", user.id, label=user.email)
    return url_for_link(PASSWORD_RESET, clear)


# --- using a link -------------------------------------------------------------------------------


class LinkUnusable(Exception):
    """The link is unknown, used or expired; `reason` says which, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find(session: Session, kind: str, clear: str) -> AccountLink:
    link = session.scalar(select(AccountLink).where(AccountLink.token_hash == _digest(clear or ""),
                                                    AccountLink.kind == kind))
    if link is None:
        raise LinkUnusable("unknown")
    if link.used_at is not None:
        raise LinkUnusable("used")
    if link.expires_at <= utcnow():
        raise LinkUnusable("expired")
    if not link.user.active:
        raise LinkUnusable("unknown")
    return link


def use(session: Session, kind: str, clear: str, raw: Mapping[str, Any], ip: str | None = None) -> User:
    """Set the person's own password through a link, which then stops working; returns the person."""
    link = find(session, kind, clear)
    data = load(NewPasswordInput(), raw)
    if data["password"] != data["confirm"]:
        raise field_error("confirm", gettext("The two passwords differ."))
    user = link.user
    now = utcnow()
    # single use, even when two requests race: only the one that marks it wins
    won = session.execute(update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
                          .values(used_at=now)).rowcount
    if not won:
        raise LinkUnusable("used")
    session.execute(update(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
                    .values(used_at=now))
    user.password_hash = users.hash_password(data["password"])
    user.must_change_password = False
    audit.record(session, users.person_actor(user, ip), "accept_invitation" if kind == INVITATION else "reset_password",
                 "user", user.id, label=user.email,
                 organization_id=link.organization_id)
    return user


def pending_invitations(session: Session, org: Organization) -> list[AccountLink]:
    """Invitations into this agency not used yet (expired ones included, to be sent again)."""
    q = (select(AccountLink).where(AccountLink.organization_id == org.id, AccountLink.kind == INVITATION,
                                   AccountLink.used_at.is_(None))
         .order_by(AccountLink.created_at.desc()))
    return list(session.scalars(q))


def memberships_awaiting(session: Session, org: Organization) -> set[str]:
    """Members of this agency who have not chosen a password yet."""
    q = (select(Membership.user_id).join(User, User.id == Membership.user_id)
         .where(Membership.organization_id == org.id, User.password_hash.is_(None)))
    return set(session.scalars(q))

"""Notifications: an in-app inbox for every user, and the same message by e-mail.

A notification stores its kind and parameters, not its text, so that each reader sees it in their
own language, and the e-mail is written in the recipient's language (their account's choice, or
the portal's default). E-mails leave after the change that caused them has committed, from a
background task; without an SMTP server they are written to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..dates import format_date, format_datetime
from ..mail import send_mail
from ..models import Membership, Notification, User, utcnow
from ..tasks import enqueue, task
from .files import on_outcome

log = logging.getLogger(__name__)

#: kind -> (subject, body); parameters are filled in the reader's language at display time.
MESSAGES: dict[str, tuple[Any, Any]] = {
    "publication_submitted": (
        _l("Publication request: %(dataset)s"),
        _l("%(by)s asks to publish %(dataset)s as open data. Check the gates and approve or refuse it."),
    ),
    "publication_approved": (
        _l("Published as open data: %(dataset)s"),
        _l("%(by)s approved your request: %(dataset)s is now open data."),
    ),
    "publication_refused": (
        _l("Publication refused: %(dataset)s"),
        _l("%(by)s refused to publish %(dataset)s as open data. Reason: %(reason)s"),
    ),
    "request_submitted": (
        _l("New sharing request %(number)s"),
        _l("%(requester)s asks for data of your agency: %(datasets)s. The law gives you until %(due_at)s to "
           "approve it or to refuse it with reasons and the legal basis."),
    ),
    "request_info_requested": (
        _l("Request %(number)s: more information needed"),
        _l("%(provider)s asks for more information before deciding: %(message)s. The time limit is paused "
           "until you answer."),
    ),
    "request_info_provided": (
        _l("Request %(number)s: information received"),
        _l("%(requester)s answered: %(message)s. The decision is now due by %(due_at)s."),
    ),
    "request_approved": (
        _l("Request %(number)s approved"),
        _l("%(provider)s approved your request. Agreement %(agreement)s gives access from %(start_on)s."),
    ),
    "request_partially_approved": (
        _l("Request %(number)s approved in part"),
        _l("%(provider)s approved your request in part (agreement %(agreement)s). Reasons: %(reasons)s. "
           "Legal basis: %(legal_basis)s."),
    ),
    "request_refused": (
        _l("Request %(number)s refused"),
        _l("%(provider)s refused your request. Reasons: %(reasons)s. Legal basis: %(legal_basis)s. "
           "You may dispute the refusal from the request's page."),
    ),
    "request_withdrawn": (
        _l("Request %(number)s withdrawn"),
        _l("%(requester)s withdrew its request; nothing more is needed from you."),
    ),
    "request_escalated": (
        _l("Refusal of request %(number)s disputed"),
        _l("%(requester)s disputes the refusal (%(step)s). Reason: %(reason)s. A decision is due by %(due_at)s."),
    ),
    "escalation_upheld": (
        _l("Request %(number)s: refusal upheld"),
        _l("The refusal was upheld (%(step)s). Reasons: %(reasons)s. Legal basis: %(legal_basis)s."),
    ),
    "request_overdue": (
        _l("Request %(number)s is overdue"),
        _l("The request of %(requester)s to %(provider)s was due by %(due_at)s and has no decision yet."),
    ),
    "agreement_suspended": (
        _l("Agreement %(agreement)s suspended"),
        _l("%(provider)s suspends sharing under agreement %(agreement)s from %(from_at)s (%(reason)s): %(note)s"),
    ),
    "agreement_resumed": (
        _l("Agreement %(agreement)s resumed"),
        _l("Sharing under agreement %(agreement)s has resumed."),
    ),
    "agreement_terminated": (
        _l("Agreement %(agreement)s terminated"),
        _l("%(by)s ended agreement %(agreement)s (%(ground)s): %(note)s. Access has stopped; the data received "
           "must be deleted as the agreement says: %(retention)s"),
    ),
    "agreement_expired": (
        _l("Agreement %(agreement)s has ended"),
        _l("Agreement %(agreement)s ended on %(end_on)s and access has stopped. Delete the data received as the "
           "agreement says (%(retention)s) and confirm it on the agreement's page."),
    ),
    "renewal_requested": (
        _l("Renewal of agreement %(agreement)s requested"),
        _l("%(requester)s asks to extend agreement %(agreement)s until %(end_on)s (request %(number)s). "
           "Answer by %(due_at)s."),
    ),
    "agreement_renewed": (
        _l("Agreement %(agreement)s renewed"),
        _l("Agreement %(agreement)s now runs until %(end_on)s."),
    ),
    "connection_incident_opened": (
        _l("Connection %(connection)s: incident opened"),
        _l("The connection %(connection)s has had an incident since %(opened_at)s (%(cause)s). %(detail)s"),
    ),
    "connection_incident_closed": (
        _l("Connection %(connection)s: incident closed"),
        _l("The connection %(connection)s works again since %(closed_at)s; the incident (%(cause)s) lasted "
           "%(minutes)s minutes."),
    ),
    "connection_maintenance": (
        _l("Connection %(connection)s: planned maintenance"),
        _l("The connection %(connection)s will be under maintenance from %(from_at)s until %(until_at)s."),
    ),
    "public_feedback": (
        _l("Public feedback: %(subject)s"),
        _l("Someone from the public wrote to your agency (%(feedback_kind)s; dataset: %(dataset)s). Answer on the "
           "request's page: the question and your answer are public."),
    ),
    "deletion_confirmed": (
        _l("Agreement %(agreement)s: data deleted"),
        _l("%(requester)s confirms it deleted the data received under agreement %(agreement)s."),
    ),
}

_PENDING = "pending_notifications"


def _localized(params: dict[str, Any], locale: str) -> dict[str, str]:
    """Parameters in the reader's language: {"vi", "en"} pairs, codes with labels, dates."""
    from ..web import labels  # the labels of codes are the pages' own

    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, dict) and "vi" in value:
            out[key] = str(value.get(locale) or value.get("vi") or "")
        elif key in labels.NOTIFICATION_CODE_LABELS and isinstance(value, str):
            out[key] = str(labels.label(labels.NOTIFICATION_CODE_LABELS[key], value))
        elif key.endswith("_at") and isinstance(value, str):
            out[key] = format_datetime(datetime.fromisoformat(value), "short")
        elif key.endswith("_on") and isinstance(value, str):
            out[key] = format_date(date.fromisoformat(value), "long")
        else:
            out[key] = "" if value is None else str(value)
    return out


class _Defaults(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def render(note: Notification, locale: str) -> tuple[str, str]:
    """Subject and body of a notification in a language (needs an app context)."""
    subject, body = MESSAGES.get(note.kind, (note.kind, ""))
    with force_locale(locale):
        params = _Defaults(_localized(note.params or {}, locale))
        return str(subject) % params, str(body) % params


def notify(
    session: Session,
    user_ids: Iterable[str],
    kind: str,
    params: dict[str, Any],
    object_type: str | None = None,
    object_id: str | None = None,
) -> list[Notification]:
    """Queue a message to each user (once each); e-mails leave after the transaction commits."""
    if kind not in MESSAGES:
        raise KeyError(kind)
    notes = []
    for user_id in dict.fromkeys(u for u in user_ids if u):
        note = Notification(user_id=user_id, kind=kind, params=params, object_type=object_type,
                            object_id=object_id, created_at=utcnow())
        session.add(note)
        notes.append(note)
    session.flush()
    _send_after_commit(session, [n.id for n in notes])
    return notes


def _send_after_commit(session: Session, ids: list[int]) -> None:
    """E-mail these notifications once (and only if) the transaction that made them commits."""
    if not ids:
        return
    pending: list[int] | None = session.info.get(_PENDING)
    if pending is not None:
        pending.extend(ids)
        return
    session.info[_PENDING] = list(ids)
    app = session.info.get("app") or current_app._get_current_object()

    def _committed() -> None:
        queued = session.info.pop(_PENDING, [])
        if queued:
            enqueue(app, "notifications.email", queued)

    on_outcome(session, committed=_committed, rolled_back=lambda: session.info.pop(_PENDING, None))


@task("notifications.email")
def email_notifications(ids: list[int]) -> int:
    """Send the e-mails of these notifications, each in its recipient's language."""
    from ..db import db_session

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    cfg = app.config["CATALOG"]
    session = db_session()
    sent = 0
    for note in session.scalars(select(Notification).where(Notification.id.in_(ids),
                                                            Notification.emailed_at.is_(None))):
        user = session.get(User, note.user_id)
        if user is None or not user.active:
            continue
        locale = user.locale or cfg["DEFAULT_LOCALE"]
        subject, body = render(note, locale)
        link = cfg["BASE_URL"].rstrip("/") + link_for(note)
        try:
            send_mail(cfg, user.email, subject, f"{body}\n\n{link}\n")
        except OSError:
            log.exception("could not e-mail notification %s to %s", note.id, user.email)
            continue
        note.emailed_at = utcnow()
        sent += 1
    session.commit()
    return sent


def link_for(note: Notification) -> str:
    """The page a notification is about."""
    if note.object_type == "sharing_request" and note.object_id:
        return f"/sharing/requests/{note.object_id}"
    if note.object_type == "sharing_agreement" and note.object_id:
        return f"/sharing/agreements/{note.object_id}"
    if note.object_type == "public_feedback" and note.object_id:
        return f"/requests/{note.object_id}"
    if note.object_type == "dataset" and note.object_id:
        return f"/datasets/{note.object_id}"
    if note.object_type == "connection" and note.object_id:
        return f"/connections/{note.object_id}"
    return "/notifications"


# --- recipients ---------------------------------------------------------------------------------


def org_user_ids(session: Session, org_id: str, roles: Iterable[str]) -> list[str]:
    """Active users holding one of these roles in an agency."""
    q = (select(User.id).join(Membership, Membership.user_id == User.id)
         .where(Membership.organization_id == org_id, Membership.role.in_(list(roles)), User.active.is_(True))
         .order_by(User.email))
    return list(session.scalars(q))


def admin_ids(session: Session) -> list[str]:
    return list(session.scalars(select(User.id).where(User.is_admin.is_(True), User.active.is_(True))))


# --- the inbox ----------------------------------------------------------------------------------


def unread_count(session: Session, user_id: str) -> int:
    q = select(func.count()).select_from(Notification).where(Notification.user_id == user_id,
                                                             Notification.read_at.is_(None))
    return session.scalar(q) or 0


def inbox(session: Session, user_id: str, *, unread_only: bool = False, limit: int = 50,
          offset: int = 0) -> list[Notification]:
    q = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    q = q.order_by(Notification.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(q))


def mark_read(session: Session, user_id: str, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (these ids, or all); returns how many changed."""
    q = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        q = q.where(Notification.id.in_(list(ids)))
    result = session.execute(q.values(read_at=utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- messages to one person by e-mail only --------------------------------------------------------

#: kind -> (subject, body). These carry a secret single-use link, so they are e-mailed and never
#: kept in the inbox (where the link would outlive its use).
MAIL_ONLY: dict[str, tuple[Any, Any]] = {
    "invitation": (
        _l("Invitation to %(site)s"),
        _l("%(inviter)s invites you to %(site)s as %(role)s of %(organization)s. Open the link below to "
           "choose your password; it works once, until %(expires_at)s."),
    ),
    "invitation_admin": (
        _l("Invitation to %(site)s"),
        _l("%(inviter)s invites you to %(site)s as a site administrator. Open the link below to choose your "
           "password; it works once, until %(expires_at)s."),
    ),
    "password_reset": (
        _l("Choose a new password for %(site)s"),
        _l("Someone, probably you, asked to choose a new password for your account. Open the link below; it "
           "works once, until %(expires_at)s. If you did not ask, ignore this message: your password stays "
           "as it is."),
    ),
}


def email_person(session: Session, user: User, kind: str, params: dict[str, Any], link: str) -> None:
    """E-mail one person a mail-only message in their language, once the transaction commits.

    `params` values may be {"vi", "en"} pairs, lazy strings or ISO datetimes (keys ending in _at),
    as for notifications.
    """
    subject_t, body_t = MAIL_ONLY[kind]
    app = session.info.get("app") or current_app._get_current_object()
    cfg = app.config["CATALOG"]
    locale = user.locale or cfg["DEFAULT_LOCALE"]
    with force_locale(locale):
        values = _Defaults(_localized({k: v if isinstance(v, str | dict) else str(v) for k, v in params.items()},
                                      locale))
        values["site"] = cfg["SITE_NAME_EN"] if locale == "en" else cfg["SITE_NAME_VI"]
        subject, body = str(subject_t) % values, str(body_t) % values
    to = user.email

    def _committed() -> None:
        enqueue(app, "notifications.mail", to, subject, f"{body}\n\n{link}\n")

    on_outcome(session, committed=_committed)


@task("notifications.mail")
def mail_task(to: str, subject: str, body: str) -> None:
    """Send one written message (a failure is logged; the person can ask again)."""
    try:
        send_mail(current_app.config["CATALOG"], to, subject, body)
    except OSError:
        log.exception("could not e-mail %s", to)

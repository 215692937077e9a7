"""Public feedback: anyone reports a problem with an open dataset or asks an agency to open data,
without an account or a CAPTCHA (a rate limit per address and a honeypot field keep robots out:
catalog/limits.py and the web form). The agency's stewards are told in their inbox and answer;
the question and the answer are public, except the sender's e-mail address, which is never shown."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from .. import policy
from ..models import Dataset, Organization, PublicFeedback, utcnow
from ..models.base import snapshot
from ..schemas.portal import AnswerInput, FeedbackInput
from ..tasks import enqueue
from . import audit, notifications
from .actor import Actor
from .common import NotFound, field_error, load, org_by_code
from .files import on_outcome
from .listing import Page, paginate

#: The name of the form field people never see and robots fill in.
HONEYPOT_FIELD = "website"
FEEDBACK_COLUMNS = ("kind", "organization_id", "dataset_id", "subject", "status", "answer")


class HoneypotFilled(ValueError):
    """The hidden field was filled: a robot. Nothing is stored and the sender is told so plainly."""


def check_honeypot(form: Any) -> None:
    if (form.get(HONEYPOT_FIELD) or "").strip():
        raise HoneypotFilled()


def submit(session: Session, actor: Actor, raw: dict[str, Any], dataset: Dataset | None = None) -> PublicFeedback:
    """Store a problem report (about a public dataset) or a request to open data, and tell the
    agency's stewards."""
    data = load(FeedbackInput(), raw)
    if dataset is not None:
        if not policy.can_view_dataset(policy.ANONYMOUS, dataset):
            raise NotFound(dataset.id)  # only public datasets take public feedback
        org = dataset.publisher
    elif data.get("organization"):
        org = org_by_code(session, data["organization"])
    else:
        raise field_error("organization", gettext("Choose the agency you ask."))
    fb = PublicFeedback(kind=data["kind"], organization_id=org.id, organization=org,
                        dataset_id=dataset.id if dataset is not None else None, dataset=dataset,
                        subject=data["subject"], message=data["message"], author_name=data.get("author_name"),
                        author_email=data.get("author_email"), status="awaiting")
    session.add(fb)
    session.flush()
    audit.record(session, actor, "create", "public_feedback", fb.id, label=fb.subject,
                 organization_id=org.id, after=snapshot(fb, FEEDBACK_COLUMNS))
    stewards = notifications.org_user_ids(session, org.id, ["steward"])
    notifications.notify(session, stewards, "public_feedback", {
        "subject": fb.subject, "feedback_kind": fb.kind,
        "dataset": {"vi": dataset.title_vi, "en": dataset.title_en or dataset.title_vi} if dataset else "—",
    }, object_type="public_feedback", object_id=fb.id)
    return fb


def answer(session: Session, actor: Actor, fb: PublicFeedback, raw: dict[str, Any]) -> PublicFeedback:
    """A steward's public answer (it may be changed; the audit log keeps each version)."""
    policy.require(policy.can_answer_feedback(actor.reader, fb))
    data = load(AnswerInput(), raw)
    before = snapshot(fb, FEEDBACK_COLUMNS)
    fb.answer = data["answer"]
    fb.status = "answered"
    fb.answered_at = utcnow()
    fb.answered_by_id = actor.user_id
    session.flush()
    audit.record(session, actor, "answer", "public_feedback", fb.id, label=fb.subject,
                 organization_id=fb.organization_id, before=before, after=snapshot(fb, FEEDBACK_COLUMNS))
    _mail_author(session, fb)
    return fb


def _mail_author(session: Session, fb: PublicFeedback) -> None:
    """The sender, if they left an address, gets the answer by e-mail once it is committed (in the
    portal's default language: they have no account to choose another)."""
    if not fb.author_email:
        return
    app = session.info.get("app") or current_app._get_current_object()
    cfg = app.config["CATALOG"]
    link = f"{cfg['BASE_URL'].rstrip('/')}/requests/{fb.id}"
    locale = cfg["DEFAULT_LOCALE"]
    with force_locale(locale):
        subject = gettext("Answer to your message: %(subject)s", subject=fb.subject)
        intro = gettext("%(agency)s answered your message. The answer is public at the address below.",
                        agency=fb.organization.name(locale))
    to, body = fb.author_email, f"{intro}\n\n{fb.answer}\n\n{link}\n"
    on_outcome(session, committed=lambda: enqueue(app, "notifications.mail", to, subject, body))


def visible_feedback(session: Session, reader: policy.Reader, feedback_id: str) -> PublicFeedback:
    fb = session.get(PublicFeedback, feedback_id)
    if fb is None or not policy.can_view_feedback(reader, fb):
        raise NotFound(feedback_id)
    return fb


def public_query(*, status: str | None = None, organization: str | None = None, kind: str | None = None,
                 dataset_id: str | None = None) -> Select[Any]:
    q = select(PublicFeedback).where(policy.public_feedback_visibility()).options(
        selectinload(PublicFeedback.organization), selectinload(PublicFeedback.dataset))
    if status:
        q = q.where(PublicFeedback.status == status)
    if kind:
        q = q.where(PublicFeedback.kind == kind)
    if organization:
        q = q.where(PublicFeedback.organization_id == select(Organization.id).where(
            Organization.code == organization).scalar_subquery())
    if dataset_id:
        q = q.where(PublicFeedback.dataset_id == dataset_id)
    return q.order_by(PublicFeedback.created_at.desc(), PublicFeedback.id)


def list_public(session: Session, *, page: int = 1, per_page: int = 20, **filters: Any) -> Page[PublicFeedback]:
    return paginate(session, public_query(**filters), page, per_page)


def awaiting_for(session: Session, reader: policy.Reader, limit: int = 50) -> list[PublicFeedback]:
    """Feedback awaiting an answer from the agencies where the reader is a steward (the inbox)."""
    orgs = [org for org, role in reader.roles.items() if role == "steward"]
    if not orgs:
        return []
    return list(session.scalars(select(PublicFeedback).where(
        PublicFeedback.organization_id.in_(orgs), PublicFeedback.status == "awaiting")
        .options(selectinload(PublicFeedback.dataset))
        .order_by(PublicFeedback.created_at, PublicFeedback.id).limit(limit)))

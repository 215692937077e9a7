"""Opening the seed's open datasets through the real publication procedure (`flask publish demo`).

The seed loads open data as drafts (a loader may not open data). So that a fresh portal is not
empty, this submits each one as a demo editor of its agency and approves it as a demo data
steward of the same agency, exactly as people would: every gate is checked, and a dataset that
fails one stays a draft with the failed gates printed. Never meant for a production portal.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import policy, rules
from ..models import Dataset, Membership, Organization, User
from . import publishing, users
from .actor import Actor, system_actor

#: Demo accounts that prepare and approve the seed's open data, one editor and one steward.
EDITOR_EMAIL = "demo.editor.opendata@example.vn"
STEWARD_EMAIL = "demo.steward.opendata@example.vn"
EMAILS = (EDITOR_EMAIL, STEWARD_EMAIL)


@dataclass
class DemoReport:
    published: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    blocked: dict[str, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"published as open data through the procedure: {len(self.published)}"
               + (f" ({', '.join(self.published)})" if self.published else "")]
        if self.already:
            out.append(f"already open: {len(self.already)}")
        for slug, gates in self.blocked.items():
            out.append(f"kept as a draft, gates failing: {slug}: {', '.join(gates)}")
        return out


def seed_slugs(root: Path) -> list[str]:
    """Datasets the seed file asks to publish as open data."""
    items = json.loads((root / "datasets.json").read_text(encoding="utf-8"))
    return [i["slug"] for i in items if i.get("access_level") == rules.ACCESS_OPEN and i.get("status") == "published"
            and i.get("slug")]


def _account(session: Session, email: str, name: str, role: str, org_ids: set[str]) -> Actor:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        # nobody signs in as these accounts: their password is thrown away
        user = users.create_user(session, system_actor("demo"), {
            "email": email, "name": name, "password": "demo-" + secrets.token_urlsafe(18)})
    for org_id in org_ids:
        if session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                      Membership.organization_id == org_id)) is None:
            org = session.get(Organization, org_id)
            users.set_membership(session, system_actor("demo"), {"email": email, "organization": org.code,
                                                                 "role": role})
    session.flush()
    session.refresh(user)
    return Actor(reader=policy.reader_for(session, user), label=email)


def open_seed(app: Flask, session: Session, root: Path) -> DemoReport:
    """Submit and approve each seed open dataset still in draft; check its quality first if never checked."""
    from ..quality import service as quality_service

    report = DemoReport()
    wanted = list(session.scalars(select(Dataset).where(Dataset.slug.in_(seed_slugs(root)))))
    todo = []
    for ds in wanted:
        if publishing.is_public_open(ds):
            report.already.append(ds.slug)
        elif ds.status == "draft":
            todo.append(ds)
    if not todo:
        return report
    for ds in todo:
        if ds.quality_grade is None:
            session.commit()  # the check runs in its own session and must see the seed
            quality_service.check_dataset(app, ds.id, "cli", quality_service.RunOptions(network=False))
            session.refresh(ds)
    orgs = {ds.publisher_id for ds in todo}
    editor = _account(session, EDITOR_EMAIL, "Biên tập viên dữ liệu mở (demo)", "editor", orgs)
    steward = _account(session, STEWARD_EMAIL, "Đầu mối dữ liệu mở (demo)", "steward", orgs)
    for ds in todo:
        try:  # each step checks its gates before writing anything: a failure leaves no half-done change
            publishing.submit(session, editor, ds, {"note": "Dữ liệu mẫu mở cho cổng thử nghiệm (demo)."})
            publishing.approve(session, steward, ds, {})
            report.published.append(ds.slug)
        except publishing.GatesFailed as err:
            report.blocked[ds.slug] = [g.key for g in err.failed]
    session.flush()
    return report


def actor_for(session: Session, email: str) -> Actor:
    """A person named by e-mail, acting with their own roles (the CLI's request/approve/refuse)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise LookupError(email)
    return Actor(reader=policy.reader_for(session, user), label=user.email)


def gate_lines(gates: list[publishing.Gate]) -> list[str]:
    out = []
    for g in gates:
        mark = "ok  " if g.passed else ("wait" if g.pending else "FAIL")
        detail = f": {', '.join(g.items)}" if g.items else ""
        out.append(f"  [{mark}] {g.key}{detail}  ({g.basis})")
    return out


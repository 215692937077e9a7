"""Demo accounts for trying the portal: one per role in a provincial and a ministry agency, an
administrator, and a few sharing requests between those agencies in different states.

`flask users demo` makes them (safe to run again: it finds what exists and prints the same
passwords, kept in the instance folder, readable by its owner only); `flask users demo --remove`
deletes them. The requests go through the real sharing services, so they look and behave like
any other. Never meant for a production portal.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import policy
from ..models import (
    AccountLink,
    Dataset,
    Membership,
    Notification,
    SharingAgreement,
    SharingRequest,
    User,
)
from . import audit, users
from .actor import Actor, system_actor
from .common import org_by_code

#: (agency code, what it is) — one province, one ministry, both in seed/organizations.csv.
AGENCIES = (("HN", "province"), ("BTC", "ministry"))
ADMIN_EMAIL = "demo.admin@example.vn"
DEMO_MARK = "[demo] "
#: The shared dataset of the ministry the province asks for.
DATASET = "thong-tin-dang-ky-doanh-nghiep"
PASSWORD_FILE = "demo-accounts.txt"  # noqa: S105 - a file name


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str  # admin, steward, editor, member
    organization: str | None
    password: str


def _planned() -> list[tuple[str, str, str, str | None]]:
    """(email, name, role, agency code) of every demo account."""
    rows: list[tuple[str, str, str, str | None]] = [(ADMIN_EMAIL, "Quản trị viên (demo)", "admin", None)]
    names = {"steward": "Đầu mối dữ liệu", "editor": "Biên tập viên", "member": "Cán bộ"}
    for code, _kind in AGENCIES:
        for role in ("steward", "editor", "member"):
            rows.append((f"demo.{role}.{code.lower()}@example.vn", f"{names[role]} {code} (demo)", role, code))
    return rows


def demo_emails() -> list[str]:
    return [row[0] for row in _planned()]


def _password_file(cfg: Mapping[str, Any]) -> Path:
    return Path(cfg["INSTANCE_PATH"]) / PASSWORD_FILE


def _read_passwords(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines() if " " in line)
    return {email: pw.strip() for email, pw in pairs}


def _write_passwords(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(f"{email} {pw}\n" for email, pw in passwords.items())


def ensure(session: Session, cfg: Mapping[str, Any]) -> list[DemoAccount]:
    """Make whatever demo account or request is missing; returns the accounts with their passwords."""
    actor = system_actor("demo")
    path = _password_file(cfg)
    passwords = _read_passwords(path)
    out = []
    for email, name, role, code in _planned():
        password = passwords.get(email) or "demo-" + secrets.token_urlsafe(9)
        passwords[email] = password
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = users.create_user(session, actor, {"email": email, "name": name, "password": password,
                                                      "is_admin": role == "admin"})
        elif not users.password_matches(user, password):
            user.password_hash = users.hash_password(password)  # the printed password always works
        user.active = True
        user.must_change_password = False
        if code is not None:
            org = org_by_code(session, code, "organization")
            if session.scalar(select(Membership).where(Membership.user_id == user.id,
                                                       Membership.organization_id == org.id)) is None:
                users.set_membership(session, actor, {"email": email, "organization": code, "role": role})
        out.append(DemoAccount(email, name, role, code, password))
    session.flush()
    _write_passwords(path, passwords)
    _ensure_requests(session)
    return out


def _actor(session: Session, email: str) -> Actor:
    user = session.scalar(select(User).where(User.email == email))
    session.refresh(user)
    return Actor(reader=policy.reader_for(session, user), label=email)


def _ensure_requests(session: Session) -> None:
    """Three requests of the province to the ministry: submitted, approved (an agreement), refused."""
    from .sharing import requests as sharing_requests
    from .sharing import workflow

    if session.scalar(select(SharingRequest.id).where(SharingRequest.purpose.startswith(DEMO_MARK)).limit(1)):
        return
    if session.scalar(select(Dataset.id).where(Dataset.slug == DATASET)) is None:
        return  # the seed is not loaded: nothing to ask for
    officer = _actor(session, "demo.member.hn@example.vn")
    steward = _actor(session, "demo.steward.btc@example.vn")
    today = date.today()
    base = {
        "kind": "special", "requester": "HN", "requester_identifier": "H26",
        "items": [{"dataset": DATASET}], "frequency": "daily", "contact_email": "demo.member.hn@example.vn",
        "special_reason": "Cần các trường dữ liệu chỉ chia sẻ theo yêu cầu đặc thù.",
        "start_date": today.isoformat(), "end_date": today.replace(year=today.year + 2).isoformat(),
        "methods": ["api_lgsp"], "limits_of_use": "Chỉ dùng cho thủ tục hành chính của thành phố.",
        "protection_commitment": True, "security_measures": "Kết nối qua LGSP, mã hóa TLS, nhật ký truy cập.",
        "retention_deletion": "Xóa dữ liệu trong 30 ngày sau khi thỏa thuận kết thúc.",
    }
    plans = [
        ("Tra cứu thông tin doanh nghiệp khi cấp phép xây dựng.", "Hệ thống cấp phép xây dựng", None, {}),
        ("Đối chiếu mã số doanh nghiệp trong hồ sơ đầu tư.", "Cổng dịch vụ công thành phố Hà Nội", "approve",
         {"note": "Đồng ý chia sẻ qua nền tảng LGSP.", "connection_details": "LGSP, dịch vụ tra cứu doanh nghiệp."}),
        ("Thống kê doanh nghiệp theo ngành phục vụ báo cáo.", "Hệ thống báo cáo kinh tế - xã hội", "refuse",
         {"reasons": "Số liệu thống kê theo ngành đã được công bố dưới dạng dữ liệu mở.",
          "legal_basis": "Điều 18 Nghị định 47/2020/NĐ-CP"}),
    ]
    for purpose, application, decision, body in plans:
        req = sharing_requests.create_request(session, officer, {
            **base, "purpose": DEMO_MARK + purpose, "application": application,
            "intended_use": "Dùng thử cổng dữ liệu (tài khoản demo)."})
        session.flush()
        workflow.perform(session, officer, req, "submit")
        if decision:
            workflow.perform(session, steward, req, decision, body)
        session.flush()


def remove(session: Session, cfg: Mapping[str, Any]) -> list[str]:
    """Delete the demo requests, their agreements and the demo accounts (never the last administrator)."""
    actor = system_actor("demo")
    lines = []
    reqs = session.scalars(select(SharingRequest).where(SharingRequest.purpose.startswith(DEMO_MARK))).all()
    ids = [r.id for r in reqs]
    if ids:
        for req in reqs:
            audit.record(session, actor, "delete", "sharing_request", req.id, label=req.number,
                         organization_id=req.provider_org_id, before={"demo": True, "status": req.status})
        session.execute(delete(SharingAgreement).where(SharingAgreement.request_id.in_(ids)))
        for req in reqs:
            session.delete(req)
        session.flush()
        lines.append(f"removed {len(ids)} demo sharing requests")
    accounts = session.scalars(select(User).where(User.email.in_(demo_emails()))).all()
    user_ids = [u.id for u in accounts]
    # what the database would do on its own with foreign keys enforced (SQLite may not)
    for column in (SharingRequest.created_by_id, SharingRequest.submitted_by_id, SharingRequest.decided_by_id):
        session.execute(update(SharingRequest).where(column.in_(user_ids)).values({column.key: None}))
    session.execute(delete(Notification).where(Notification.user_id.in_(user_ids)))
    session.execute(delete(AccountLink).where(AccountLink.user_id.in_(user_ids)))
    removed, kept = 0, []
    for user in accounts:
        try:
            with session.begin_nested():
                users.delete_user(session, actor, user)
            removed += 1
        except ValidationError as err:
            kept.append(user.email)
            lines.append(f"kept {user.email}: " + " ".join(str(m) for m in err.messages.get("_schema", [])))
            lines.append("  (create your own administrator first: flask --app catalog users create --email ... "
                         "--name ..., then run this again)")
    lines.append(f"removed {removed} demo accounts")
    path = _password_file(cfg)
    left = {email: pw for email, pw in _read_passwords(path).items() if email in kept}
    if left:
        _write_passwords(path, left)
    else:
        path.unlink(missing_ok=True)
    return lines


def summary(accounts: list[DemoAccount]) -> str:
    """What `make run` prints at the end of the set-up."""
    width = max(len(a.email) for a in accounts)
    rows = [f"  {a.email:{width}}  {a.password}  {a.role}{' @ ' + a.organization if a.organization else ''}"
            for a in accounts]
    return "\n".join([
        "Demo accounts (for trying the portal only; never keep them on a real portal):",
        *rows,
        "Three demo sharing requests of HN to BTC: submitted, approved with an agreement, refused.",
        "Remove them all with: flask --app catalog users demo --remove",
    ])

"""Small builders shared by tests: records made through the real services."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from catalog.models import Dataset, Membership, User
from catalog.services import datasets, distributions, users
from catalog.services.actor import system_actor
from catalog.services.common import org_by_code

PASSWORD = "correct horse battery"


def make_user(s: Session, email: str, *, admin: bool = False, roles: dict[str, str] | None = None) -> User:
    """An account with roles {org_code: role}; committed."""
    user = users.create_user(s, system_actor("test"), {"email": email, "name": email.split("@")[0].title(),
                                                       "password": PASSWORD, "is_admin": admin})
    for code, role in (roles or {}).items():
        s.add(Membership(user=user, organization=org_by_code(s, code), role=role))
    s.commit()
    return user


def token_for(s: Session, user: User, scopes: list[str] | None = None) -> str:
    """A token with the given scopes (default: every scope the account may hold)."""
    scopes = scopes if scopes is not None else list(users.allowed_scopes(user))
    _t, clear = users.create_token(s, system_actor("test"), user, {"name": "test", "scopes": scopes})
    s.commit()
    return clear


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.data[:500]


def dataset(s: Session, publisher: str, access: str = "open", **fields: Any) -> Dataset:
    data = {
        "title_vi": fields.pop("title_vi", f"Bộ dữ liệu {access} của {publisher}"),
        "description_vi": "Mô tả thử nghiệm.",
        "publisher": publisher,
        "access_level": access,
        "licence": "CC-BY-4.0" if access == "open" else None,
        "contact_email": "dulieu@example.gov.vn",
        "status": "published",
        **fields,
    }
    ds = datasets.create_dataset(s, system_actor("test"), data)
    s.commit()
    return ds


class FakeUpload:
    """An upload from bytes, shaped like werkzeug's FileStorage."""

    def __init__(self, name: str, content: bytes, mimetype: str = "text/csv") -> None:
        import io

        self.filename = name
        self.mimetype = mimetype
        self.stream = io.BytesIO(content)


def uploaded_distribution(s: Session, ds: Dataset, folder: str, upload: FakeUpload, fields: dict):
    """A file added to a dataset as a steward's upload would add it (10 MB limit), committed."""
    dist = distributions.add_distribution(s, system_actor("test"), ds, fields,
                                          distributions.Storage(folder, 10 * 1024 * 1024), upload)
    s.commit()
    return dist


def csv_distribution(s: Session, ds: Dataset, folder: str, content: bytes, schema: dict | None = None):
    return uploaded_distribution(s, ds, folder, FakeUpload("data.csv", content),
                                 {"title_vi": "Tệp CSV", "table_schema": schema})

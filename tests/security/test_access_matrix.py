"""The access matrix: every route × every kind of reader × a dataset at every access level.

For each reader, the policy (`catalog.policy`) says which of the matrix's datasets it may see and
which columns it may read. Every response of every route is then searched for what it must not
show: a hidden dataset's title, slug or id, a hidden column's name. A route that names a dataset
(or one of its files) must answer for a hidden one exactly as for one that does not exist.

Every route of `app.url_map` needs an entry in ROUTES; a new route without one fails the test,
so whoever adds a route decides how it is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from catalog import policy
from catalog.db import registry_db
from catalog.models import Dataset, Distribution, SharingAgreement, User, utcnow
from catalog.services import dataservices
from catalog.services.actor import system_actor
from catalog.services.sharing import requests as sharing_requests
from catalog.services.sharing import workflow

from ..helpers import csv_distribution, dataset, make_user, token_for
from ..sharing.conftest import FULL_SPECIAL

# --- how each route is asked ----------------------------------------------------------------------

#: the kinds of entry: "dataset" (GET, its <key> names a dataset), "distribution" (GET, <dist_id>),
#: "dataset-write" / "distribution-write" (a write naming one: sent only for hidden and missing
#: ones, which must both answer as missing), "page" (GET with the fixed values below), "write"
#: (other writes: checked by their own tests), "public" (no data at all: health, language switch).
ROUTES: dict[str, str] = {
    "home.index": "page", "home.language": "public", "home.legal_rules": "page",
    "ops.healthz": "public", "ops.prometheus": "public",
    "auth.account": "page", "auth.set_language": "write", "auth.create_token": "write",
    "auth.revoke_token": "write", "auth.login": "page", "auth.logout": "write",
    "admin.audit_log": "page", "admin.audit_export": "page", "admin.user_list": "page",
    "admin.toggle_active": "write",
    "api.index": "page", "api.admin_units": "page", "api.themes": "page", "api.licences": "page", "api.me": "page",
    "api.openapi": "page", "api.databases_list": "page", "api.database_create": "write", "api.database": "page",
    "api.database_update": "write", "api.database_delete": "write", "api.dataservices_list": "page",
    "api.dataservice_create": "write", "api.dataservice": "page", "api.dataservice_update": "write",
    "api.dataservice_delete": "write", "api.datasets_list": "page", "api.dataset_create": "write",
    "api.dataset": "dataset", "api.dataset_update": "dataset-write", "api.dataset_delete": "dataset-write",
    "api.distributions_list": "dataset", "api.distribution_create": "dataset-write",
    "api.distribution": "distribution", "api.distribution_update": "distribution-write",
    "api.distribution_delete": "distribution-write", "api.distribution_download": "distribution",
    "api.organizations_list": "page", "api.organization_create": "write", "api.organization": "page",
    "api.organization_update": "write", "api.organization_delete": "write",
    "quality_api.dataset_report": "dataset", "quality_api.dataset_history": "dataset",
    "quality_api.dataset_run": "dataset-write", "quality_api.summary": "page",
    "harvest_api.job": "page", "harvest_api.job_errors": "page", "harvest_api.sources": "page",
    "harvest_api.source_create": "write", "harvest_api.source": "page", "harvest_api.source_update": "write",
    "harvest_api.source_delete": "write", "harvest_api.source_jobs": "page", "harvest_api.source_run": "write",
    "search_api.search_endpoint": "page", "search_api.suggestions": "page",
    "sharing_api.audit_export": "page", "sharing_api.notifications_list": "page",
    "sharing_api.notifications_read": "write", "sharing_api.agreements_list": "page",
    "sharing_api.agreement_detail": "page", "sharing_api.agreement_action": "write",
    "sharing_api.sharing_reports": "page", "sharing_api.requests_list": "page", "sharing_api.request_create": "write",
    "sharing_api.request_detail": "page", "sharing_api.request_update": "write", "sharing_api.request_delete": "write",
    "sharing_api.request_action": "write", "sharing_api.request_letter": "write",
    "databases.index": "page", "databases.show": "page", "databases.delete": "write", "databases.edit": "page",
    "databases.create": "page",
    "datasets.index": "page", "datasets.show": "dataset", "datasets.delete": "dataset-write",
    "datasets.add_distribution": "dataset", "datasets.edit": "dataset", "quality.report": "dataset",
    "quality.adopt_schema": "write", "quality.run": "dataset-write", "datasets.create": "page",
    "datasets.delete_distribution": "distribution-write", "datasets.download": "distribution",
    "datasets.edit_distribution": "distribution", "series.show": "page",
    "harvest.index": "page", "harvest.show": "page", "harvest.delete": "write", "harvest.edit": "page",
    "harvest.run_now": "write", "harvest.dry_run": "write", "harvest.job": "page", "harvest.create": "page",
    "sharing.notifications_page": "page", "sharing.mark_read": "write",
    "organizations.index": "page", "organizations.show": "page", "organizations.audit_export": "page",
    "organizations.delete": "write", "organizations.edit": "page", "organizations.members": "page",
    "organizations.remove_member": "write", "quality.organization_dashboard": "page",
    "organizations.create": "page", "quality.dashboard": "page", "search.index": "page",
    "dataservices.index": "page", "dataservices.show": "page", "dataservices.delete": "write",
    "dataservices.edit": "page", "dataservices.create": "page",
    "sharing.index": "page", "sharing.show_agreement": "page", "sharing.agreement_action": "write",
    "sharing.print_agreement": "page", "sharing.report_page": "page", "sharing.report_csv": "page",
    "sharing.show_request": "page", "sharing.act": "write", "sharing.delete_request": "write",
    "sharing.edit_request": "page", "sharing.letter": "page", "sharing.new_request": "page",
    "passwords.change": "page", "passwords.forgot": "page", "passwords.reset": "page",
    "passwords.invitation": "page", "admin.toggle_admin": "write", "organizations.invite": "write",
    "accounts_api.invitation_create": "write", "accounts_api.tokens_list": "page",
    "accounts_api.token_create": "write", "accounts_api.token_revoke": "write",
    "datasets.download_excel": "distribution",
    "publishing.submit": "dataset-write", "publishing.approve": "dataset-write", "publishing.refuse": "dataset-write",
    "publishing.personal_data": "dataset-write", "publishing.withdraw": "dataset-write",
    "publishing.review": "dataset-write", "publishing.version_download": "distribution",
    "api_publishing.publication": "dataset", "api_publishing.publication_submit": "dataset-write",
    "api_publishing.publication_approve": "dataset-write", "api_publishing.publication_refuse": "dataset-write",
    "api_publishing.withdrawal": "dataset-write",
    "ckan_api.call": "page", "feeds.negotiated_catalog": "page", "feeds.catalog": "page", "feeds.dataset": "dataset",
    "public_feeds.atom": "page", "public_feeds.robots": "public", "public_feeds.sitemap_index": "page",
    "public_feeds.sitemap_datasets": "page", "public_feeds.sitemap_pages": "page",
    "connections_api.connections_list": "page", "connections_api.connection_create": "write",
    "connections_api.connection": "page", "connections_api.connection_update": "write",
    "connections_api.connection_delete": "write", "connections_api.connection_confirm": "write",
    "connections_api.connection_health": "page", "connections_api.heartbeat": "write",
    "connections_api.heartbeat_token": "write", "connections_api.connection_incidents": "page",
    "connections_api.maintenance": "write", "connections_api.metrics": "page",
    "connections_api.reuse_findings": "page", "connections_api.reuse_mark": "write",
    "connections.index": "page", "connections.show": "page", "connections.confirm": "write",
    "connections.heartbeat_token": "write", "connections.create": "page", "connections.province": "page",
    "connections.reuse_page": "page", "connections.reuse_csv": "page", "connections.reuse_mark": "write",
    "portal.open_data": "page", "portal.open_data_download": "page", "portal.organization_open_data": "page",
    "portal.organization_open_data_download": "page", "portal.new_plan": "page", "portal.edit_plan": "page",
    "portal.delete_plan": "write", "portal.themes": "page", "portal.theme": "page", "portal.requests_list": "page",
    "portal.new_request": "page", "portal.submit_request": "write", "portal.dataset_feedback": "dataset-write",
    "portal.show_request": "page", "portal.answer": "write",
    "portal_api.open_data_list": "page", "portal_api.organization_open_data": "page", "portal_api.plan_create": "write",
    "portal_api.plan": "page", "portal_api.plan_update": "write", "portal_api.plan_delete": "write",
    "portal_api.requests_list": "page",
    "public_files.conversion": "distribution", "rows_api.rows": "dataset", "rows_api.rows_csv": "dataset",
    "rows_api.preview": "distribution", "rows_api.set_types": "distribution-write",
}

#: query strings that make list and search routes show as much as they can
QUERIES: dict[str, str] = {
    "search.index": "q=mx", "search_api.search_endpoint": "q=mx", "search_api.suggestions": "q=mx",
    "datasets.index": "q=mx", "api.datasets_list": "per_page=100", "home.index": "",
    "sharing.new_request": "dataset={restricted}", "ckan_api.call": "q=mx&rows=100",
    "feeds.catalog": "q=mx",
    "portal.open_data": "per_page=100", "portal_api.open_data_list": "per_page=100",
    "portal.organization_open_data": "per_page=100", "portal_api.organization_open_data": "per_page=100",
}

LEVELS = {
    # name: (access level, extra fields)
    "open": ("open", {}),
    "shared": ("shared", {}),
    "restricted": ("restricted", {}),
    "unlisted": ("restricted", {"unlisted": True}),
    "draft": ("open", {"status": "draft"}),
    "withdrawn": ("shared", {"status": "withdrawn"}),
}
MATRIX_CSV = b"mxcolopen,mxcolshared,mxcolspecial\r\n1,2,3\r\n"
MATRIX_SCHEMA = {"fields": [
    {"name": "mxcolopen", "type": "integer", "classification": "open"},
    {"name": "mxcolshared", "type": "integer", "classification": "default_shared"},
    {"name": "mxcolspecial", "type": "integer", "classification": "special_request"},
]}
ROLES = ("anonymous", "other_agency", "owner_member", "owner_editor", "owner_steward", "holder", "expired_holder",
         "admin")


@dataclass
class Matrix:
    app: Flask
    session: Session
    users: dict[str, User]
    datasets: dict[str, Dataset]
    dists: dict[str, Distribution]
    fixed: dict[str, str]

    def reader(self, role: str) -> policy.Reader:
        if role == "anonymous":
            return policy.ANONYMOUS
        self.session.expire_all()
        with self.app.app_context():
            return policy.reader_for(self.session, self.session.get(User, self.users[role].id))


def _agreement_for(s: Session, who: User, requester: str, ds: Dataset) -> SharingAgreement:
    actor_of = _actor_factory(s)
    body = {"kind": "special", "requester": requester, "items": [{"dataset": ds.slug, "columns": ["mxcolspecial"]}],
            **FULL_SPECIAL}
    req = sharing_requests.create_request(s, actor_of(who), body)
    s.commit()
    workflow.perform(s, actor_of(who), req, "submit")
    s.commit()
    provider = s.query(User).filter_by(email="mx-steward@c06.gov.vn").one()
    workflow.perform(s, actor_of(provider), req, "approve", {})
    s.commit()
    return s.query(SharingAgreement).filter_by(request_id=req.id).one()


def _actor_factory(s: Session):
    from catalog.services.actor import Actor

    def actor(user: User) -> Actor:
        s.expire_all()
        return Actor(reader=policy.reader_for(s, s.get(User, user.id)), label=user.email)

    return actor


@pytest.fixture
def matrix(seeded_app: Flask) -> Matrix:
    with seeded_app.app_context():
        s = registry_db(seeded_app).session_factory()
        users = {
            "other_agency": make_user(s, "mx-officer@stc.danang.gov.vn", roles={"DN-STC": "member"}),
            "owner_member": make_user(s, "mx-member@c06.gov.vn", roles={"BCA-C06": "member"}),
            "owner_editor": make_user(s, "mx-editor@c06.gov.vn", roles={"BCA-C06": "editor"}),
            "owner_steward": make_user(s, "mx-steward@c06.gov.vn", roles={"BCA-C06": "steward"}),
            "holder": make_user(s, "mx-holder@stc.hanoi.gov.vn", roles={"HN-STC": "member"}),
            "expired_holder": make_user(s, "mx-old@sokhcn.hanoi.gov.vn", roles={"HN-SKHCN": "member"}),
            "admin": make_user(s, "mx-admin@catalog.gov.vn", admin=True),
        }
        folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
        made, dists = {}, {}
        for name, (access, extra) in LEVELS.items():
            made[name] = dataset(s, "BCA-C06", access, title_vi=f"Mxtitle {name} kiemtra", slug=f"mx-{name}-slug",
                                 **extra)
            dists[name] = csv_distribution(s, made[name], folder, MATRIX_CSV, MATRIX_SCHEMA)
        svc = dataservices.create_dataservice(s, system_actor("test"), {
            "title_vi": "Dịch vụ ma trận", "publisher": "BCA-C06", "endpoint_url": "https://api.c06.gov.vn/mx",
            "access_level": "open", "status": "published", "slug": "mx-service",
            "datasets": [ds.slug for ds in made.values()]})
        s.commit()
        live = _agreement_for(s, users["holder"], "HN-STC", made["restricted"])
        old = _agreement_for(s, users["expired_holder"], "HN-SKHCN", made["restricted"])
        old.end_date = (utcnow() - timedelta(days=2)).date()
        old.start_date = (utcnow() - timedelta(days=30)).date()
        s.commit()
        fixed = {"code": "BCA-C06", "slug": svc.slug, "request_id": str(live.request_id), "key": str(live.id),
                 "job_id": "1", "action": "approve", "user_id": users["other_agency"].id, "membership_id": "1",
                 "token_id": "1", "dist_id": dists["open"].id, "fmt": "ttl", "name": "package_search", "n": "1",
                 "kind": "csv", "number": "1"}
        yield Matrix(seeded_app, s, users, made, dists, fixed)
        s.close()


# --- asking ---------------------------------------------------------------------------------------


def _client(m: Matrix, role: str):
    client = m.app.test_client()
    headers: dict[str, str] = {}
    if role != "anonymous":
        with client.session_transaction() as sess:
            sess["_user_id"] = m.users[role].id
            sess["_fresh"] = True
        with m.app.app_context():
            headers["Authorization"] = f"Bearer {token_for(m.session, m.users[role])}"
    return client, headers


def _for(url: str, headers: dict[str, str]) -> dict[str, str]:
    """The API is asked with the reader's token, pages with its session only."""
    return headers if url.startswith("/api/") else {}


def _url(m: Matrix, rule: Any, values: dict[str, str]) -> str:
    path = rule.rule
    for arg in rule.arguments:
        value = values.get(arg) or m.fixed.get(arg) or "x"
        if arg == "code" and rule.rule.startswith(("/databases", "/api/v1/databases")):
            value = "CSDLQG-DC"
        if arg == "code" and rule.rule.startswith("/language"):
            value = "en"
        if arg == "code" and rule.rule.startswith("/provinces"):
            value = "HN"
        if arg == "fmt" and "open-data" in rule.rule:
            value = "csv"  # the open-data lists' downloads are checked in CSV
        if arg == "slug" and "harvest" in rule.rule:
            value = "x"
        if arg == "key" and "/datasets/" not in rule.rule:
            value = m.fixed["key"]
        path = re.sub(rf"<(?:[^:>]+:)?{arg}>", value, path)
    return path


def _secrets(m: Matrix, reader: policy.Reader) -> dict[str, list[str]]:
    """For each matrix dataset the reader may not see: the strings that must never reach it."""
    hidden: dict[str, list[str]] = {}
    for name, ds in m.datasets.items():
        if not policy.can_view_dataset(reader, ds):
            hidden[name] = [ds.title_vi, ds.slug, ds.id]
    return hidden


def _hidden_columns(m: Matrix, reader: policy.Reader, name: str) -> list[str]:
    """Columns of the matrix dataset `name`'s file that the reader may not receive."""
    readable = policy.readable_columns(reader, m.session.get(Distribution, m.dists[name].id))
    if readable is None:
        return []
    return sorted({f["name"] for f in MATRIX_SCHEMA["fields"]} - set(readable))


def test_every_route_has_an_entry(seeded_app):
    endpoints = {r.endpoint for r in seeded_app.url_map.iter_rules() if r.endpoint != "static"}
    missing = sorted(endpoints - set(ROUTES))
    assert missing == [], f"routes without an access-matrix entry (add them to ROUTES): {missing}"
    assert sorted(set(ROUTES) - endpoints) == [], "entries for routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_nothing_hidden_reaches_a_reader(matrix, role):
    m = matrix
    reader = m.reader(role)
    secrets = _secrets(m, reader)
    client, headers = _client(m, role)
    problems: list[str] = []

    def check(url: str, response: Any, allowed: str | None = None) -> None:
        # the reader's own request echoed back (a sign-in link's `next`) reveals nothing
        body = response.get_data(as_text=True) + response.headers.get("Location", "")
        for echo in (url, quote(url, safe=""), quote(url)):
            body = body.replace(echo, "")
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        for name, strings in secrets.items():
            if name == allowed:
                continue
            for text in strings:
                if text and text in body:
                    problems.append(f"{url} shows {name!r} dataset's {text!r}")

    for rule in m.app.url_map.iter_rules():
        kind = ROUTES.get(rule.endpoint)
        if kind in (None, "public", "write") or rule.endpoint == "static":
            continue
        if kind in ("dataset", "distribution") and "GET" in rule.methods:
            for name in [*LEVELS, "missing"]:
                if kind == "dataset":
                    value = m.datasets[name].slug if name != "missing" else "mx-missing-slug"
                    url = _url(m, rule, {"key": value})
                else:
                    value = m.dists[name].id if name != "missing" else "00000000-0000-0000-0000-000000000000"
                    url = _url(m, rule, {"dist_id": value})
                r = client.get(url, headers=_for(url, headers))
                if name in secrets or name == "missing":
                    check(url, r)
                    if name != "missing":
                        missing_url = url.replace(value, "mx-missing-slug" if kind == "dataset" else
                                                  "00000000-0000-0000-0000-000000000000")
                        miss = client.get(missing_url, headers=_for(url, headers))
                        if r.status_code != miss.status_code:
                            problems.append(f"{url}: a hidden dataset answers {r.status_code}, a missing one "
                                            f"{miss.status_code}")
                else:
                    check(url, r, allowed=name)
                    body = r.get_data(as_text=True)
                    for column in _hidden_columns(m, reader, name):
                        if column in body and kind == "distribution" and "download" in rule.rule:
                            problems.append(f"{url} gives the hidden column {column!r}")
        elif kind in ("dataset-write", "distribution-write"):
            method = sorted(rule.methods - {"HEAD", "OPTIONS", "GET"})[0]
            answers: dict[str, int] = {}
            for name in ["missing", *secrets]:
                if kind == "dataset-write":
                    value = m.datasets[name].slug if name != "missing" else "mx-missing-slug"
                    url = _url(m, rule, {"key": value})
                else:
                    value = m.dists[name].id if name != "missing" else "00000000-0000-0000-0000-000000000000"
                    url = _url(m, rule, {"dist_id": value})
                r = client.open(url, method=method, headers=_for(url, headers),
                                json={} if url.startswith("/api/") else None)
                check(url, r)
                answers[name] = r.status_code
                if name != "missing" and r.status_code != answers["missing"]:
                    problems.append(f"{method} {url}: a hidden dataset answers {r.status_code}, a missing one "
                                    f"{answers['missing']}")
        elif kind == "page" and "GET" in rule.methods:
            query = QUERIES.get(rule.endpoint, "").format(restricted=m.datasets["restricted"].slug)
            url = _url(m, rule, {}) + (f"?{query}" if query else "")
            check(url, client.get(url, headers=_for(url, headers)))
    m.session.expire_all()
    for name, ds in m.datasets.items():  # the writes changed nothing
        assert m.session.get(Dataset, ds.id) is not None, name
    assert problems == [], "\n".join(problems)

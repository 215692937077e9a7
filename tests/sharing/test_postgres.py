"""The sharing procedure on PostgreSQL: the same service code, JSON columns, grouped reports."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from catalog.models import Organization
from catalog.services import audit
from catalog.services.sharing import access, reports

from ..helpers import login

pytestmark = pytest.mark.postgres


def test_request_agreement_access_reports_and_audit_on_postgres(pg_world):
    w = pg_world
    req = w.request()
    w.act("provider", req, "approve_partially", reasons="Một phần.", legal_basis="Điều 35",
          items=[{"dataset": w.people.slug, "columns": ["ho_ten"]}])
    hn = w.session.scalar(select(Organization.id).where(Organization.code == "HN-STC"))
    assert access.grants_for_orgs(w.session, [hn]) == {w.people.id: frozenset({"ho_ten"})}
    client = w.app.test_client()
    login(client, w.users["officer"].email)
    response = client.get(f"/distributions/{w.people_dist.id}/download")
    assert response.status_code == 200 and response.get_data(as_text=True).splitlines()[0] == "ho_ten"
    refused = w.request()
    w.act("provider", refused, "refuse", reasons="Không.", legal_basis="Điều 35")
    rows = {r.organization.code: r for r in reports.figures(w.session)}
    c06 = rows["BCA-C06"]
    counted = w.session.execute(text(
        "select count(*) filter (where status = 'partially_approved'), count(*) filter (where status = 'refused'), "
        "count(*) from sharing_request where provider_org_id = :o and status != 'draft'"),
        {"o": c06.organization.id}).one()
    assert (c06.partially_approved, c06.refused, c06.received) == tuple(counted) == (1, 1, 2)
    assert audit.verify_chain(w.session).ok
    assert {e.action for e in audit.events_for(w.session, organization_id=hn)} >= {"sharing.submit",
                                                                                  "sharing.download"}

"""The public portal on PostgreSQL: the download counter's upsert (PostgreSQL's ON CONFLICT form),
the open-data list with its overdue entries and the seed's planned entries, public feedback."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from catalog.db import registry_db
from catalog.models import DownloadCount, OpenDataPlan
from catalog.services.common import org_by_code

from ..helpers import csv_distribution, dataset


def test_portal_on_postgresql(pg_seeded_app):
    app = pg_seeded_app
    with app.app_context():
        s = registry_db(app).session_factory()
        ds = dataset(s, "BCA-C06", "open", title_vi="Pgmo du lieu", slug="pg-open", themes=["GOVE"])
        dist = csv_distribution(s, ds, app.config["CATALOG"]["UPLOAD_FOLDER"], b"a,b\n1,2\n")
        hidden = dataset(s, "BCA-C06", "restricted", title_vi="Pgan rieng", slug="pg-hidden")
        s.add(OpenDataPlan(organization_id=org_by_code(s, "BCA-C06").id, title_vi="Pgquahan", planned_date=date.today()
                           - timedelta(days=3), status="planned", themes=[], dataset_id=hidden.id))
        s.commit()
        dist_id = dist.id
    c = app.test_client()
    for _ in range(3):
        assert c.get(f"/api/v1/distributions/{dist_id}/download").status_code == 200
    with app.app_context():
        s = registry_db(app).session_factory()
        assert s.scalar(select(DownloadCount.count).where(DownloadCount.distribution_id == dist_id)) == 3
        s.close()
    body = c.get("/api/v1/open-data?per_page=100").json
    by_title = {e["title_vi"]: e for e in body["items"]}
    assert by_title["Pgquahan"]["status"] == "overdue" and by_title["Pgquahan"]["dataset"] is None
    assert by_title["Pgmo du lieu"]["status"] == "open"
    assert by_title["Thu chi ngân sách nhà nước theo tháng"]["status"] == "overdue"  # from seed/, dated 2025
    assert "Pgan rieng" not in str(body) and "pg-hidden" not in str(body)
    assert c.get("/themes/GOVE?lang=en").status_code == 200
    assert c.get("/open-data.xlsx?status=overdue").status_code == 200
    r = c.post("/datasets/pg-open/feedback", data={"subject": "Pgloi", "message": "Sai số liệu."})
    assert r.status_code == 302
    assert "Pgloi" in c.get("/requests").text
    assert "3" in c.get("/datasets/pg-open?lang=en").text

"""Quality on a PostgreSQL registry: reports in JSONB, the dashboard's aggregates and trend."""

from __future__ import annotations

import pytest

from catalog import policy
from catalog.db import registry_db
from catalog.quality import service

from .conftest import add_file, new_dataset, reports_of


@pytest.mark.postgres
def test_checks_summary_and_trend_on_postgresql(pg_seeded_app):
    app = pg_seeded_app
    app.config["CATALOG"]["QUALITY_AUTO"] = True
    ds_id = new_dataset(app, title_vi="Dữ liệu trên PostgreSQL")
    add_file(app, ds_id, "bang.csv", b"ma,so\nA,1\nA,2\n",
             {"fields": [{"name": "ma"}, {"name": "so", "type": "integer"}], "primaryKey": ["ma"]})
    report = reports_of(app, ds_id)[-1]
    assert report.status == "done" and report.findings[0]["code"] == "primary-key-duplicate"
    s = registry_db(app).session_factory()
    try:
        result = service.summary(s, policy.ANONYMOUS, "BTC")
        assert result.checked == 1 and result.worst[0].id == ds_id and result.average == report.score
        assert result.trend[-1][1] == report.score
        assert result.dimensions["dung"] == report.score_dung
        assert service.history(s, ds_id)[0].id == report.id
    finally:
        s.close()
    page = app.test_client().get("/quality?lang=en").get_data(as_text=True)
    assert "Datasets by grade" in page

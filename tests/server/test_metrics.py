"""/metrics: per-route request figures, the registry's work, access rules, several processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from datetime import timedelta

from sqlalchemy import select

from catalog.models import HarvestJob, HarvestSource, Organization, SharingRequest, utcnow

from ..helpers import dataset
from ..sharing.conftest import make_world


def _value(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + ("{" if labels else " ")) and not (not labels and line.startswith(name + "{")):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_requests_are_counted_per_route_rule_not_per_path(seeded_app, session):
    a = dataset(session, "BTC", "open", title_vi="Bộ thứ nhất")
    b = dataset(session, "BTC", "open", title_vi="Bộ thứ hai")
    client = seeded_app.test_client()
    before = _value(client.get("/metrics").get_data(as_text=True), "catalog_http_requests_total",
                    method="GET", endpoint="/datasets/<key>", status="200") or 0
    for slug in (a.slug, b.slug):
        assert client.get(f"/datasets/{slug}?lang=vi").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "catalog_http_requests_total", method="GET", endpoint="/datasets/<key>",
                  status="200") == before + 2
    assert _value(text, "catalog_http_requests_total", method="GET", endpoint="<unmatched>", status="404") >= 1
    assert _value(text, "catalog_http_request_duration_seconds_count", method="GET",
                  endpoint="/datasets/<key>") >= 2
    assert a.slug not in text and "/no/such/page" not in text  # bounded labels


def test_the_registry_figures_count_jobs_checks_and_overdue_requests(seeded_app):
    world = make_world(seeded_app)
    s = world.session
    try:
        org = s.scalars(select(Organization).where(Organization.code == "BTC")).one()
        source = HarvestSource(slug="nguon-thu", name="Nguồn thử", protocol="ckan", url="http://127.0.0.1:9/",
                               organization_id=org.id)
        s.add(source)
        s.flush()
        s.add_all([HarvestJob(source_id=source.id, status="failed"), HarvestJob(source_id=source.id, status="failed"),
                   HarvestJob(source_id=source.id, status="done")])
        late = world.request()
        world.request()  # submitted, still within its deadline
        s.get(SharingRequest, late.id).due_at = utcnow() - timedelta(days=1)
        s.commit()
        text = seeded_app.test_client().get("/metrics").get_data(as_text=True)
    finally:
        s.close()
    assert _value(text, "catalog_harvest_jobs", status="failed") == 2
    assert _value(text, "catalog_harvest_jobs", status="done") == 1
    assert _value(text, "catalog_sharing_requests_overdue") == 1
    assert _value(text, "catalog_queue_length", queue="catalog") == 0
    assert _value(text, "catalog_metrics_registry_up") == 1
    assert "# TYPE catalog_quality_checks gauge" in text


def test_metrics_are_for_this_machine_or_the_token_holder(app):
    client = app.test_client()
    assert client.get("/metrics").status_code == 200  # loopback, no proxy
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    # a reverse proxy on this machine forwards the world's requests: not local
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    app.config["CATALOG"]["METRICS_TOKEN"] = "t0ken-for-prometheus"
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer t0ken-for-prometheus"}).status_code == 200
    denied = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer wrong"})
    assert denied.status_code == 403 and "t0ken" not in denied.get_data(as_text=True)


CHILD = textwrap.dedent("""
    import sys
    from catalog import create_app
    app = create_app({"INSTANCE_PATH": sys.argv[1], "SECRET_KEY": "x", "SCHEDULER": False,
                      "QUALITY_AUTO": False})
    client = app.test_client()
    for _ in range(int(sys.argv[2])):
        assert client.get("/healthz").status_code == 200
    if sys.argv[3] == "scrape":
        sys.stdout.write(client.get("/metrics").get_data(as_text=True))
""")


def test_several_worker_processes_add_up_with_prometheus_multiproc_dir(empty_template, tmp_path):
    import shutil

    instance = tmp_path / "instance"
    shutil.copytree(empty_template, instance)
    folder = tmp_path / "prom"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}

    def child(n: int, mode: str) -> str:
        done = subprocess.run([sys.executable, "-c", CHILD, str(instance), str(n), mode], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    child(3, "-")
    child(4, "-")
    text = child(0, "scrape")  # a third process sees what the two others answered
    assert _value(text, "catalog_http_requests_total", method="GET", endpoint="/healthz", status="200") == 7

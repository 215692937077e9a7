"""`flask --app catalog quality ...`: run with --org / --dataset and a progress bar, links, show, weights."""

from __future__ import annotations

from sqlalchemy import func, select

from catalog.models import Dataset, QualityReport

from .conftest import add_file, add_link, new_dataset, session_of


def _count_reports(app) -> int:
    s = session_of(app)
    try:
        return s.scalar(select(func.count()).select_from(QualityReport))
    finally:
        s.close()


def test_run_one_dataset_then_one_agency(qapp):
    qapp.config["CATALOG"]["QUALITY_AUTO"] = False
    ds_id = new_dataset(qapp, title_vi="Bảng thử CLI")
    rows = "".join(f"M{i},{i}\n" for i in range(20)) + "M20,hai\n"  # inferred as integer: 20 of 21 are
    add_file(qapp, ds_id, "bang.csv", ("ma,so\n" + rows).encode())
    s = session_of(qapp)
    try:
        slug = s.get(Dataset, ds_id).slug
        btc = s.scalar(select(func.count()).select_from(Dataset).join(Dataset.publisher)
                       .where(Dataset.publisher.has(code="BTC")))
    finally:
        s.close()
    runner = qapp.test_cli_runner()
    result = runner.invoke(args=["quality", "run", "--dataset", slug, "--offline"])
    assert result.exit_code == 0, result.output
    assert "Checked 1 datasets (21 rows)" in result.output
    shown = runner.invoke(args=["quality", "show", slug])
    assert "type-error [so]: 1" in shown.output and "grade" in shown.output
    before = _count_reports(qapp)
    result = runner.invoke(args=["quality", "run", "--org", "BTC", "--offline", "--quiet"])
    assert result.exit_code == 0 and f"Checked {btc} datasets" in result.output
    assert _count_reports(qapp) == before + btc
    bad = runner.invoke(args=["quality", "run", "--org", "NOPE"])
    assert bad.exit_code != 0 and "NOPE" in bad.output


def test_links_command_lists_failures(qapp, http_server):
    qapp.config["CATALOG"]["QUALITY_AUTO"] = False
    http_server.route("/ok.csv", body=b"a\n1\n")
    ds_id = new_dataset(qapp, landing_page=http_server.url("/missing"))
    add_link(qapp, ds_id, http_server.url("/ok.csv"))
    slug = session_of(qapp).get(Dataset, ds_id).slug
    result = qapp.test_cli_runner().invoke(args=["quality", "links", "--dataset", slug])
    assert result.exit_code == 0, result.output
    assert f"{slug}: {http_server.url('/missing')} -> 404" in result.output
    assert "Asked 2 links, 1 failed." in result.output


def test_weights_prints_the_table(qapp):
    result = qapp.test_cli_runner().invoke(args=["quality", "weights"])
    assert "| đúng (Correct) | `data_types`: Values match their types | 35 |" in result.output

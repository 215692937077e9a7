"""Every gate fails on its own, says its rule and how to fix it, and blocks the request."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from catalog import policy, rules
from catalog.models import Distribution
from catalog.quality import service as quality_service
from catalog.services import distributions, publishing

from ..helpers import FakeUpload

pytestmark = pytest.mark.usefixtures("in_context")


def _failed(w) -> list[str]:
    return [g.key for g in publishing.evaluate(w.session, w.ds) if not g.passed and not g.pending]


def _blocked_by(w, key: str) -> None:
    assert _failed(w) == [key]
    with pytest.raises(publishing.GatesFailed) as err:
        publishing.submit(w.session, w.actor(w.editor), w.ds)
    w.session.rollback()
    gate = err.value.failed[0]
    assert [g.key for g in err.value.failed] == [key]
    out = gate.as_dict()
    assert out["rule"] and out["fix"] and out["passed"] is False


def test_a_prepared_dataset_passes_every_gate_but_approval(world):
    gates = publishing.evaluate(world.session, world.ds)
    assert [g.key for g in gates] == list(rules.PUBLISH_GATES)
    assert all(g.passed for g in gates[:-1])
    assert gates[-1].key == "approval" and gates[-1].pending and not gates[-1].passed


def test_licence_gate(world):
    world.ds.licence_code = "other-closed"
    _blocked_by(world, "licence")


def test_machine_readable_gate(world):
    for dist in world.ds.distributions:
        dist.format = "PDF"
    _blocked_by(world, "machine_readable")


def test_metadata_gate(world):
    world.ds.description_vi = None
    _blocked_by(world, "metadata")


def test_quality_gate_reads_the_setting(world):
    world.ds.quality_grade = "D"
    _blocked_by(world, "quality")
    world.ds.quality_grade = "B"
    world.app.config["CATALOG"]["PUBLISH_MIN_GRADE"] = "A"
    _blocked_by(world, "quality")
    world.app.config["CATALOG"]["PUBLISH_MIN_GRADE"] = "C"
    assert _failed(world) == []


def test_field_class_gate_fails_for_a_file_that_cannot_be_trimmed(world):
    schema = {"fields": [{"name": "tinh", "type": "string", "classification": "open"},
                         {"name": "so_thu", "type": "integer", "classification": "special_request"}]}
    dist = world.ds.distributions[0]
    dist.table_schema = schema
    gate = publishing.evaluate(world.session, world.ds)[5]
    assert gate.key == "field_classes" and gate.passed and "so_thu" in gate.notes[0]  # a stored CSV is trimmed
    link = Distribution(dataset=world.ds, title_vi="Bản XLSX", format="XLSX",
                        access_url="https://mof.gov.vn/thu.xlsx", table_schema=schema)
    world.session.add(link)
    world.session.flush()
    _blocked_by(world, "field_classes")


def test_personal_data_gate_resolved_by_a_recorded_decision_or_by_removing_the_column(world):
    content = ("ho_ten,so_dien_thoai,tinh\n" + "".join(
        f"Nguyễn Văn {chr(65 + i)},09{i:08d},Hà Nội\n" for i in range(30))).encode()
    dist = world.ds.distributions[0]
    distributions.update_distribution(world.session, world.actor(world.editor), dist, {},
                                      distributions.Storage(world.folder, 10 << 20), FakeUpload("nguoi.csv", content))
    world.session.commit()
    quality_service.check_dataset(world.app, world.ds.id, "cli", quality_service.RunOptions(network=False))
    world.session.expire_all()
    world.ds.quality_grade = "B"
    findings = publishing.personal_findings(world.session, world.ds)
    assert "so_dien_thoai" in {f["column"] for f in findings}
    _blocked_by(world, "personal_data")
    # an editor cannot decide; a steward decides with a reason
    with pytest.raises(policy.Forbidden):
        publishing.decide_personal_data(world.session, world.actor(world.editor), world.ds,
                                        {"distribution": dist.id, "column": "so_dien_thoai", "reason": "x"})
    world.session.rollback()
    world.ds.quality_grade = "B"
    for f in publishing.personal_findings(world.session, world.ds):
        if f["column"] == "so_dien_thoai":
            with pytest.raises(ValidationError):  # a reason is required
                publishing.decide_personal_data(world.session, world.actor(world.steward), world.ds,
                                                {"distribution": dist.id, "column": f["column"], "reason": " "})
            world.session.rollback()
            world.ds.quality_grade = "B"
    remaining = {f["column"] for f in publishing.personal_findings(world.session, world.ds)}
    for column in remaining:
        publishing.decide_personal_data(world.session, world.actor(world.steward), world.ds,
                                        {"distribution": dist.id, "column": column,
                                         "reason": "Số đường dây nóng của cơ quan, không phải cá nhân."})
    assert _failed(world) == []
    # removing the column from the file's schema resolves it too
    world.session.rollback()
    world.ds.quality_grade = "B"
    world.ds.distributions[0].table_schema = {"fields": [{"name": "tinh", "type": "string"}]}
    assert "personal_data" not in _failed(world)


def test_no_decision_for_a_column_that_was_not_flagged(world):
    dist = world.ds.distributions[0]
    with pytest.raises(ValidationError):
        publishing.decide_personal_data(world.session, world.actor(world.steward), world.ds,
                                        {"distribution": dist.id, "column": "tinh", "reason": "ok"})
    assert world.session.scalars(select(Distribution)).first() is not None

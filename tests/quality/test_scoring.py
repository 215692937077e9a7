"""Scores are computed exactly as the weights table and the README say."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from catalog.config import PROJECT_ROOT
from catalog.quality import scoring
from catalog.quality.scoring import CHECKS, DIMENSIONS, Outcome, grade_for, score, weights_markdown, with_errors


def test_every_dimension_totals_100_points_and_every_check_has_a_fix():
    for dim in DIMENSIONS:
        assert sum(c.points for c in CHECKS if c.dimension == dim) == 100, dim
    assert len({c.id for c in CHECKS}) == len(CHECKS)
    assert all(c.level in ("dataset", "files") and str(c.fix) for c in CHECKS)


def test_points_dimensions_overall_and_grade_follow_the_documented_formula():
    outcomes = {c.id: Outcome(1.0) for c in CHECKS}
    outcomes["data_types"] = Outcome(0.5)  # 17.5 of 35
    outcomes["meta_contact"] = Outcome.na()  # leaves đúng out of 90 points
    outcomes["meta_fresh"] = Outcome(0.0)  # 0 of 40 in sống
    for check in CHECKS:
        if check.dimension == "thong_nhat":
            outcomes[check.id] = Outcome.na()  # a dimension with nothing applicable is not measured
    result = score(outcomes)
    assert result.dimensions["dung"] == round(100 * (90 - 17.5) / 90)  # 81
    assert result.dimensions["song"] == 60
    assert result.dimensions["thong_nhat"] is None
    assert result.dimensions["du"] == result.dimensions["sach"] == result.dimensions["dung_chung"] == 100
    assert result.score == round((81 + 100 + 100 + 60 + 100) / 5) == 88
    assert result.grade == "A"
    row = next(r for r in result.checks if r["id"] == "data_types")
    assert row == {"id": "data_types", "dimension": "dung", "points": 35, "earned": 17.5, "status": "partial",
                   "detail": {}}
    assert next(r for r in result.checks if r["id"] == "meta_contact")["status"] == "na"
    assert next(r for r in result.checks if r["id"] == "meta_fresh")["status"] == "fail"


def test_nothing_measurable_gives_no_grade():
    result = score({})
    assert result.score is None and result.grade is None and set(result.dimensions.values()) == {None}


@pytest.mark.parametrize(("value", "grade"), [(100, "A"), (85, "A"), (84, "B"), (70, "B"), (69, "C"), (55, "C"),
                                              (54, "D"), (40, "D"), (39, "E"), (0, "E")])
def test_grade_thresholds(value, grade):
    assert grade_for(value) == grade


def test_a_file_with_errors_never_keeps_full_points():
    assert with_errors(0.9999, 1) == scoring.MAX_WITH_ERRORS
    assert with_errors(0.5, 10) == 0.5 and with_errors(1.0, 0) == 1.0


def test_the_readme_table_is_the_weights_table(app):
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- quality-weights:start[^>]*-->\n(.*?)\n<!-- quality-weights:end -->", readme, re.S)
    assert found, "the README lost its Data quality table"
    with app.app_context():
        assert found.group(1) == weights_markdown("en")
        with force_locale("vi"):
            assert str(scoring.DIMENSION_LABELS["dung"]) == "Đúng"

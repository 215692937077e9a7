"""The pure rules under harvest fidelity: where a text's language sends it, geometries, frequencies."""

from __future__ import annotations

import pytest

from catalog import geo
from catalog.vocab import frequency_from_rdf
from harvesters.languages import by_language, declared_languages, place


def test_untagged_text_follows_the_declared_language_else_is_never_vietnamese_by_default():
    assert by_language({"": "Luftqualität"}, ["de"]) == {"de": "Luftqualität"}
    assert by_language({"": "Air quality"}, []) == {"und": "Air quality"}
    assert by_language({"": "Chất lượng không khí"}, []) == {"vi": "Chất lượng không khí"}
    assert by_language({"en-GB": "Air", "": "Luft"}, ["en", "de"]) == {"en": "Air", "de": "Luft"}
    assert declared_languages(["http://publications.europa.eu/resource/authority/language/DEU", "fr;en"]) == [
        "de", "fr", "en"]


def test_the_main_text_is_vietnamese_then_the_one_declared_language_then_english():
    assert place({"vi": "Giá đất", "en": "Land prices"}).vi == "Giá đất"
    one = place({"de": "Verkehr", "en": "Traffic"}, declared=["de"])
    assert (one.vi, one.en, one.lang) == ("Verkehr", "Traffic", "de")
    several = place({"ca": "Conjunt", "en": "Set", "es": "Conjunto"}, declared=["ca", "en", "es"])
    assert (several.vi, several.lang) == ("Set", "en")
    assert place({"fr": "Air"}, main_lang="fr", declared=["de"]).lang == "fr"


@pytest.mark.parametrize(("text", "expected"), [
    ("POINT(105.8 21.0)", {"type": "Point", "coordinates": [105.8, 21.0]}),
    ("<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON((1 2,3 2,3 4,1 4,1 2))",
     {"type": "Polygon", "coordinates": [[[1.0, 2.0], [3.0, 2.0], [3.0, 4.0], [1.0, 4.0], [1.0, 2.0]]]}),
    ("ENVELOPE(102, 110, 24, 8)", geo.box(102, 8, 110, 24)),
    ('{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}}', {"type": "Point",
                                                                                    "coordinates": [1, 2]}),
    ("POLYGON((500 2,3 2,3 4,500 4,500 2))", None),  # not on the Earth
    ("Hà Nội", None),
    ('{"type": "Polygon", "coordinates": [[[8.4, 47.3]', None),
])
def test_geometries_are_read_from_geojson_and_wkt(text, expected):
    assert geo.parse(text) == expected


def test_a_country_sized_box_is_the_country_and_the_map_frames_the_box():
    assert geo.is_country(geo.box(102.1, 8.5, 109.5, 23.4))
    assert not geo.is_country(geo.box(104.5, 8.6, 106.8, 10.9))
    drawn = geo.svg_map(geo.box(104.5, 8.6, 106.8, 10.9))
    assert 0 < drawn["x"] < drawn["width"] and 0 < drawn["y"] < drawn["height"] and drawn["w"] > 2


@pytest.mark.parametrize(("value", "code"), [
    ("http://publications.europa.eu/resource/authority/frequency/BIENNIAL", "BIENNIAL"),
    ("R/P2Y", "BIENNIAL"), ("P24M", "BIENNIAL"), ("R/PT1H", "HOURLY"), ("R/P14D", "BIWEEKLY"),
    ("ANNUAL_2", "BIANNUAL"), ("UPDATE_CONT", "CONT"), ("every two years", "BIENNIAL"), ("R/P4M", None),
])
def test_eu_frequencies_and_iso_durations(value, code):
    assert frequency_from_rdf(value) == code

"""CSW harvester: the pycsw samples, GetRecords paging and its traps, hostile and broken XML."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from catalog.models import DataService

from ..httpserver import Reply
from .conftest import FIXTURES, datasets_of, make_source, run, session_of

CSW = FIXTURES / "csw"
ISO = (CSW / "pycsw_apiso_T_ortho_RAS_1998_284404.xml").read_text(encoding="utf-8")
ISO_BODY = ISO.split("?>", 1)[1].strip()  # the record without its XML declaration


def _iso(n: int) -> str:
    return ISO_BODY.replace("de53e931-778a-4792-94ad-9fe507aca483", f"rec-{n:03d}").replace(
        "<gco:CharacterString>Ortho</gco:CharacterString></gmd:title>",
        f"<gco:CharacterString>Bản đồ trực ảnh số {n}</gco:CharacterString></gmd:title>")


def _response(records: list[str], matched: int, next_record: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" '
        'xmlns:gmd="http://www.isotc211.org/2005/gmd" version="2.0.2">'
        f'<csw:SearchResults numberOfRecordsMatched="{matched}" numberOfRecordsReturned="{len(records)}" '
        f'nextRecord="{next_record}" recordSchema="http://www.isotc211.org/2005/gmd">'
        + "".join(records) + "</csw:SearchResults></csw:GetRecordsResponse>"
    ).encode()


def _paged_server(http_server, total: int, *, backwards: bool = False) -> list[dict]:
    asked: list[dict] = []

    def handler(seen):
        params = {k: v[0] for k, v in parse_qs(urlsplit(seen.path).query).items()}
        asked.append(params)
        start, size = int(params["startPosition"]), int(params["maxRecords"])
        size = min(size, 4)  # the server gives fewer than asked, as real ones do
        records = [_iso(n) for n in range(start, min(start + size, total + 1))]
        nxt = start + len(records) if start + len(records) <= total else 0
        if backwards and start > 1:
            nxt = 1
        return Reply(200, _response(records, total, nxt), {"Content-Type": "application/xml"})

    http_server.handler("/csw", handler)
    return asked


def test_the_pycsw_getrecords_sample_gives_a_service(happ, http_server):
    http_server.route("/csw", body=(CSW / "pycsw_GetRecords-filter-servicetype_response.xml").read_bytes(),
                      headers={"Content-Type": "application/xml"})
    src = make_source(happ, protocol="csw", url=http_server.url("/csw"), default_access_level="open")
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    params = parse_qs(urlsplit(http_server.requests[0].path).query)
    assert params["request"] == ["GetRecords"] and params["outputSchema"] == ["http://www.isotc211.org/2005/gmd"]
    assert params["maxRecords"] == ["100"]
    s = session_of(happ)
    svc = s.scalar(select(DataService).where(DataService.harvest_source_id == src.id))
    assert svc.title_vi == "test Title" and svc.endpoint_url == "http://aiolos.survey.ntua.gr/geoserver/wms"
    assert svc.remote_id == "3e9a8c05"
    s.close()


def test_a_single_iso_19139_record(happ, http_server):
    http_server.route("/record.xml", body=ISO.encode(), headers={"Content-Type": "application/xml"})
    src = make_source(happ, protocol="csw", url=http_server.url("/record.xml"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.counts["new"] == 1
    ds = datasets_of(happ, src)[0]
    assert ds.identifier == "de53e931-778a-4792-94ad-9fe507aca483"
    assert ds.title_vi == "Ortho" and ds.keywords == ["Orthoimagery"] and ds.themes == ["TECH"]
    assert (str(ds.temporal_start), str(ds.temporal_end)) == ("1997-01-01", "1999-01-01")
    assert ds.contact_email == "ypaat@ypaat.gr" and ds.provenance == "test" and ds.languages == ["en"]
    assert [d.access_url for d in ds.distributions] == ["http://www.ypaat.gr"]


def test_paging_follows_next_record_until_zero(happ, http_server):
    asked = _paged_server(http_server, total=10)
    src = make_source(happ, protocol="csw", url=http_server.url("/csw"))
    result = run(happ, src)
    assert result.status == "succeeded" and result.gather_complete and result.counts["new"] == 10
    assert [a["startPosition"] for a in asked] == ["1", "5", "9"]
    assert sorted(d.remote_id for d in datasets_of(happ, src))[:2] == ["rec-001", "rec-002"]


def test_a_next_record_that_goes_backwards_stops_and_withdraws_nothing(happ, http_server):
    _paged_server(http_server, total=10)
    src = make_source(happ, protocol="csw", url=http_server.url("/csw"))
    run(happ, src)
    asked = _paged_server(http_server, total=10, backwards=True)
    result = run(happ, src)
    assert result.status == "succeeded" and not result.gather_complete
    assert len(asked) == 2 and result.counts["withdrawn"] == 0


def test_an_exception_report_fails_the_job_with_its_text(happ, http_server):
    report = (b'<?xml version="1.0"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" version="1.2.0">'
              b'<ows:Exception exceptionCode="InvalidParameterValue"><ows:ExceptionText>Invalid outputSchema'
              b'</ows:ExceptionText></ows:Exception></ows:ExceptionReport>')
    http_server.route("/csw", body=report, headers={"Content-Type": "application/xml"})
    result = run(happ, make_source(happ, protocol="csw", url=http_server.url("/csw")))
    assert result.status == "failed" and "Invalid outputSchema" in result.message


def test_an_entity_bomb_and_invalid_xml_are_refused(happ, http_server):
    http_server.route("/bomb", body=(FIXTURES / "broken" / "entity_bomb.xml").read_bytes(),
                      headers={"Content-Type": "application/xml"})
    result = run(happ, make_source(happ, protocol="csw", url=http_server.url("/bomb")))
    assert result.status == "failed" and "refused" in result.message
    http_server.route("/cut", body=ISO.encode()[:700], headers={"Content-Type": "application/xml"})
    result = run(happ, make_source(happ, name="Cắt", protocol="csw", url=http_server.url("/cut")))
    assert result.status == "failed" and "not well-formed" in result.message


def test_a_record_without_file_identifier_is_reported_and_the_rest_kept(happ, http_server):
    broken = re.sub(r"<gmd:fileIdentifier>.*?</gmd:fileIdentifier>", "", _iso(2), flags=re.S)
    http_server.route("/csw", body=_response([_iso(1), broken, _iso(3)], 3, 0),
                      headers={"Content-Type": "application/xml"})
    result = run(happ, make_source(happ, protocol="csw", url=http_server.url("/csw")))
    assert result.counts["new"] == 2 and result.counts["failed"] == 1

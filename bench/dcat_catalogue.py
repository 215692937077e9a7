"""A generated DCAT-AP 3 catalogue for bench_fidelity: every dataset says every property, in Turtle.

Each property has one template (`DATASET`, `DISTRIBUTION`), written the way DCAT-AP 3 describes it
(IRIs from the EU vocabularies, described nodes for contact point, period, location, identifier,
checksum; titles, descriptions and keywords in Vietnamese and English). Which of them a catalogue
carries is chosen by the bench: the properties the DCAT harvester declares it reads
(`harvesters/dcat.py`), or every property of the DCAT-AP 3 shapes for Dataset and Distribution.
A declared property without a template here makes the bench fail, so the two cannot drift apart.
Every tenth dataset starts a `dcat:DatasetSeries` whose members link `dcat:prev`/`dcat:next`.
"""

from __future__ import annotations

from collections.abc import Callable

from harvesters.dcat import DATASET_PREDICATES, DISTRIBUTION_PREDICATES

BASE = "https://data.example.eu"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
SERIES = 10
PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix dcatap: <http://data.europa.eu/r5r/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix gsp: <http://www.opengis.net/ont/geosparql#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
"""
#: Hoàn Kiếm, Hà Nội: a box well inside one province.
BOX = "POLYGON((105.84 21.02, 105.86 21.02, 105.86 21.04, 105.84 21.04, 105.84 21.02))"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

Template = Callable[[int], str]

#: Dataset properties: what one dataset says for each (n is the dataset's number).
DATASET: dict[str, Template] = {
    "dct:identifier": lambda n: f'"d{n}"',
    "dct:title": lambda n: f'"Tập dữ liệu ngân sách số {n}"@vi, "Budget dataset number {n}"@en',
    "dct:description": lambda n: f'"Số liệu ngân sách của bộ số {n}."@vi, "Budget figures of set {n}."@en',
    "dcat:keyword": lambda n: '"ngân sách"@vi, "tài chính"@vi, "budget"@en, "finance"@en',
    "dct:license": lambda n: "<https://creativecommons.org/licenses/by/4.0/>",
    "dcat:distribution": lambda n: f"<{BASE}/dataset/d{n}/csv>, <{BASE}/dataset/d{n}/json>",
    "dcat:contactPoint": lambda n: ('[ a vcard:Organization ; vcard:fn "Phòng Dữ liệu" ; '
                                    "vcard:hasEmail <mailto:dulieu@example.gov.vn> ; "
                                    "vcard:hasTelephone <tel:+842412345678> ]"),
    "dct:temporal": lambda n: ('[ a dct:PeriodOfTime ; dcat:startDate "2020-01-01"^^xsd:date ; '
                               'dcat:endDate "2024-12-31"^^xsd:date ]'),
    "dct:publisher": lambda n: f"<{BASE}/agency/budget-office>",
    "dct:provenance": lambda n: '[ a dct:ProvenanceStatement ; rdfs:label "Tổng hợp từ báo cáo quyết toán"@vi ]',
    "dcat:theme": lambda n: f"<{EU}data-theme/ECON>",
    "dct:spatial": lambda n: f'[ a dct:Location ; dcat:bbox "{BOX}"^^gsp:wktLiteral ]',
    "dct:language": lambda n: f"<{EU}language/VIE>, <{EU}language/ENG>",
    "dct:accessRights": lambda n: f"<{EU}access-right/PUBLIC>",
    "dct:accrualPeriodicity": lambda n: f"<{EU}frequency/MONTHLY>",
    "dct:issued": lambda n: '"2024-01-15"^^xsd:date',
    "dct:modified": lambda n: '"2024-06-01"^^xsd:date',
    "dcat:landingPage": lambda n: f"<{BASE}/trang/d{n}>",
    "owl:versionInfo": lambda n: f'"1.{n % 7}"',
    "dcat:version": lambda n: f'"1.{n % 7}"',
    "adms:identifier": lambda n: f'[ a adms:Identifier ; skos:notation "VN-NS-{n:06d}" ]',
    "dcatap:applicableLegislation": lambda n: "<https://vbpl.vn/luat-du-lieu-60-2024-qh15>",
    "dcat:spatialResolutionInMeters": lambda n: '"30"^^xsd:decimal',
    "dcat:inSeries": lambda n: f"<{BASE}/series/s{n // SERIES}>",
    "dcat:prev": lambda n: f"<{BASE}/dataset/d{n - 1}>" if n % SERIES else "",
    "dcat:next": lambda n: f"<{BASE}/dataset/d{n + 1}>" if n % SERIES != SERIES - 1 else "",
    # DCAT-AP 3 properties the harvester does not map
    "dct:conformsTo": lambda n: "<https://www.iso.org/standard/53798.html>",
    "foaf:page": lambda n: f"<{BASE}/tai-lieu/d{n}>",
    "dct:type": lambda n: f"<{EU}dataset-type/STATISTICAL>",
    "adms:versionNotes": lambda n: '"Bổ sung số liệu tháng 6"@vi',
    "dct:source": lambda n: f"<{BASE}/dataset/nguon-{n}>",
    "dct:relation": lambda n: f"<{BASE}/dataset/lien-quan-{n}>",
    "dcat:temporalResolution": lambda n: '"P1M"^^xsd:duration',
    "prov:wasGeneratedBy": lambda n: f"<{BASE}/hoat-dong/tong-hop-{n}>",
    "dct:creator": lambda n: f"<{BASE}/agency/statistics>",
    "dct:isReferencedBy": lambda n: f"<{BASE}/bai-viet/{n}>",
    "adms:sample": lambda n: f"<{BASE}/dataset/d{n}/mau>",
    "dcat:hasVersion": lambda n: f"<{BASE}/dataset/d{n}/v1>",
    "dct:isVersionOf": lambda n: f"<{BASE}/dataset/goc-{n}>",
    "dcat:qualifiedRelation": lambda n: f'[ a dcat:Relationship ; dct:relation <{BASE}/dataset/x{n}> ; '
                                        'dcat:hadRole <http://www.iana.org/assignments/relation/related> ]',
    "prov:qualifiedAttribution": lambda n: f'[ a prov:Attribution ; prov:agent <{BASE}/agency/budget-office> ; '
                                           'dcat:hadRole <http://registry.it.csiro.au/def/isotc211/CI_RoleCode/'
                                           'custodian> ]',
}
#: Distribution properties (k: the distribution's number within its dataset, 0 = CSV, 1 = JSON).
DISTRIBUTION: dict[str, Callable[[int, int], str]] = {
    "dct:title": lambda n, k: f'"Tệp {("CSV", "JSON")[k]} số {n}"@vi, "{("CSV", "JSON")[k]} file {n}"@en',
    "dct:description": lambda n, k: f'"Bản {("CSV", "JSON")[k]}."@vi, "The {("CSV", "JSON")[k]} copy."@en',
    "dct:format": lambda n, k: f"<{EU}file-type/{('CSV', 'JSON')[k]}>",
    "dcat:mediaType": lambda n, k: f"<{IANA}{('text/csv', 'application/json')[k]}>",
    "dcat:byteSize": lambda n, k: f'"{12345 + n}"^^xsd:nonNegativeInteger',
    "dct:identifier": lambda n, k: f'"d{n}-{k}"',
    "dcat:accessURL": lambda n, k: f"<{BASE}/dataset/d{n}>",
    "dcat:downloadURL": lambda n, k: f"<{BASE}/files/d{n}.{('csv', 'json')[k]}>",
    "dct:issued": lambda n, k: '"2024-01-15"^^xsd:date',
    "dct:modified": lambda n, k: '"2024-06-01"^^xsd:date',
    "dct:license": lambda n, k: "<https://creativecommons.org/licenses/by/4.0/>",
    "spdx:checksum": lambda n, k: (f'[ a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ; '
                                   f'spdx:checksumValue "{SHA}" ]'),
    # DCAT-AP 3 properties the harvester does not map
    "dcat:accessService": lambda n, k: f"<{BASE}/api/ngan-sach>",
    "dcat:compressFormat": lambda n, k: "<http://www.iana.org/assignments/media-types/application/gzip>",
    "dcat:packageFormat": lambda n, k: "<http://publications.europa.eu/resource/authority/file-type/TAR>",
    "foaf:page": lambda n, k: f"<{BASE}/tai-lieu/d{n}/{k}>",
    "dct:conformsTo": lambda n, k: f"<{BASE}/luoc-do/ngan-sach>",
    "dct:language": lambda n, k: f"<{EU}language/VIE>",
    "dct:rights": lambda n, k: f"<{BASE}/quyen-su-dung>",
    "odrl:hasPolicy": lambda n, k: f"<{BASE}/chinh-sach/mo>",
    "adms:status": lambda n, k: "<http://purl.org/adms/status/Completed>",
    "dcat:spatialResolutionInMeters": lambda n, k: '"30"^^xsd:decimal',
    "dcat:temporalResolution": lambda n, k: '"P1M"^^xsd:duration',
    "dcatap:availability": lambda n, k: "<http://data.europa.eu/r5r/availability/stable>",
    "dcatap:applicableLegislation": lambda n, k: "<https://vbpl.vn/luat-du-lieu-60-2024-qh15>",
}
#: What the mapping declares but DCAT-AP does not define: DCAT-US (`pod:`), this catalogue's own terms
#: (`vncat:`), a misspelt namespace read as a courtesy (`dct_bad:`), `dcat:identifier` (not a DCAT term) and
#: ADMS's own `adms:contactPoint` (DCAT-AP uses `dcat:contactPoint`); `dcat:first`/`dcat:last` are said of the
#: series (they are, in every catalogue generated here), not of a dataset.
NOT_DCAT_AP = ("pod:", "vncat:", "dct_bad:")
NOT_ON_A_DATASET = {"dcat:identifier", "adms:contactPoint", "dcat:first", "dcat:last"}


def declared() -> tuple[list[str], list[str]]:
    """The DCAT-AP properties of a dataset and of a distribution that the harvester declares it reads."""
    ds = sorted(p for p in DATASET_PREDICATES if not p.startswith(NOT_DCAT_AP) and p not in NOT_ON_A_DATASET)
    dist = sorted(p for p in DISTRIBUTION_PREDICATES if not p.startswith(NOT_DCAT_AP))
    missing = [p for p in ds if p not in DATASET] + [f"distribution {p}" for p in dist if p not in DISTRIBUTION]
    if missing:
        raise RuntimeError(f"bench/dcat_catalogue.py has no template for the declared properties {missing}")
    return ds, dist


def every() -> tuple[list[str], list[str]]:
    """Every property of the DCAT-AP 3 Dataset and Distribution shapes that has a template here."""
    return sorted(DATASET), sorted(DISTRIBUTION)


def catalogue(total: int, dataset_props: list[str], dist_props: list[str]) -> str:
    """The Turtle of a catalogue of `total` datasets saying the given properties."""
    out = [PREFIXES, f"<{BASE}/catalog> a dcat:Catalog ; dct:title \"Danh mục thử\"@vi .",
           f'<{BASE}/agency/budget-office> a foaf:Agent ; foaf:name "Budget Office of the Test Region"@en .']
    for s in range(0, (total + SERIES - 1) // SERIES):
        first, last = s * SERIES, min(total, (s + 1) * SERIES) - 1
        out.append(f'<{BASE}/series/s{s}> a dcat:DatasetSeries ; dct:title "Chuỗi ngân sách {s}"@vi, '
                   f'"Budget series {s}"@en ; dcat:first <{BASE}/dataset/d{first}> ; '
                   f"dcat:last <{BASE}/dataset/d{last}> .")
    for n in range(total):
        said = [(p, DATASET[p](n)) for p in dataset_props]
        if n == total - 1:
            said = [(p, v) for p, v in said if p != "dcat:next"]
        body = " ;\n    ".join(f"{p} {v}" for p, v in said if v)
        out.append(f"<{BASE}/dataset/d{n}> a dcat:Dataset ;\n    {body} .")
        if "dcat:distribution" in dataset_props:
            for k in (0, 1):
                dist = " ;\n    ".join(f"{p} {DISTRIBUTION[p](n, k)}" for p in dist_props)
                out.append(f"<{BASE}/dataset/d{n}/{('csv', 'json')[k]}> a dcat:Distribution ;\n    {dist} .")
    return "\n".join(out) + "\n"

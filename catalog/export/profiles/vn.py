"""Our extension: what Vietnamese agencies record that DCAT-AP has no term for.

- `vncat:accessLevel`: open / shared / restricted (Data Law Art. 3 kinds), next to the EU access right;
- `vncat:masterData`: the dataset is master data (dữ liệu chủ);
- `vncat:database`: the national, sectoral or local database it belongs to, with its code
  (`dct:identifier`), names and `vncat:legalBasis`;
- `vncat:agencyCode` on the publisher: the catalogue's code of the agency;
- `dct:spatial`: the administrative units covered, as `dct:Location`s with their code and names.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef

from ...models import Dataset
from ...vocab import DCT, RDF, SKOS, VNCAT, XSD
from .. import uris
from . import FeedContext
from .dcat_ap_3 import texts


def dataset_graph(g: Graph, node: URIRef, ds: Dataset, ctx: FeedContext) -> None:
    g.add((node, VNCAT.accessLevel, Literal(ds.access_level)))
    g.add((node, VNCAT.masterData, Literal(bool(ds.is_master_data), datatype=XSD.boolean)))
    g.add((URIRef(uris.organization_uri(ds.publisher)), VNCAT.agencyCode, Literal(ds.publisher.code)))
    if ds.database is not None:
        db = ds.database
        db_node = URIRef(uris.database_uri(db))
        g.add((node, VNCAT.database, db_node))
        g.add((db_node, RDF.type, VNCAT.Database))
        g.add((db_node, DCT.identifier, Literal(db.code)))
        texts(g, db_node, DCT.title, db.name_vi, db.name_en)
        g.add((db_node, VNCAT.kind, Literal(db.kind)))
        if db.legal_basis:
            g.add((db_node, VNCAT.legalBasis, Literal(db.legal_basis, lang="vi")))
    for code in ds.spatial or []:
        place = BNode()
        g.add((node, DCT.spatial, place))
        g.add((place, RDF.type, DCT.Location))
        g.add((place, DCT.identifier, Literal(code)))
        unit = ctx.units.get(code)
        if unit is not None:
            texts(g, place, SKOS.prefLabel, unit.name_vi, unit.name_en)

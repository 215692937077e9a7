"""What the public portal says about open data: the home page's blocks, theme pages, and on a
dataset's page a plain-language summary, the licence in one sentence and how to cite it.

Every query here is cheap (grouped counts and short lists) because the home page is benchmarked;
only open, published datasets are ever named (policy.dataset_visibility for the anonymous reader).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .. import policy, rules
from ..dates import format_date
from ..models import Dataset, Licence, Organization, Theme
from . import memo
from .listing import DatasetFilters, Page, dataset_query, paginate

_PUBLIC = policy.ANONYMOUS


def top_agencies(session: Session, limit: int = 8) -> list[tuple[Organization, int]]:
    """Agencies with the most open datasets (one grouped query)."""
    def ranking() -> tuple[tuple[str, int], ...]:
        counts = (select(Dataset.publisher_id, func.count().label("n"))
                  .where(policy.dataset_visibility(_PUBLIC), Dataset.access_level == rules.ACCESS_OPEN)
                  .group_by(Dataset.publisher_id).order_by(func.count().desc(), Dataset.publisher_id)
                  .limit(limit))
        return tuple((org_id, int(n)) for org_id, n in session.execute(counts))

    ranked = memo.kept(session, "top_agencies", limit, ranking)  # once per change of the registry
    orgs = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_([i for i, _ in ranked])))}
    rows = [(orgs[i], n) for i, n in ranked if i in orgs]
    return sorted(rows, key=lambda row: (-row[1], row[0].name_vi))


def themes(session: Session) -> list[Theme]:
    return list(session.scalars(select(Theme).order_by(Theme.code)))


def theme_counts(session: Session) -> Counter[str]:
    """Open datasets per theme code (reads only the themes column of open datasets)."""
    counts: Counter[str] = Counter()
    for codes in session.scalars(select(Dataset.themes).where(policy.dataset_visibility(_PUBLIC),
                                                              Dataset.access_level == rules.ACCESS_OPEN)):
        counts.update(set(codes or []))
    return counts


def theme_datasets(session: Session, code: str, page: int, per_page: int) -> Page[Dataset]:
    q = dataset_query(session, _PUBLIC, DatasetFilters(theme=code, access_level=rules.ACCESS_OPEN,
                                                       status="published"))
    q = q.options(selectinload(Dataset.publisher), selectinload(Dataset.distributions)).order_by(
        Dataset.published_at.desc(), Dataset.created_at.desc(), Dataset.id)
    return paginate(session, q, page, per_page)


# --- a dataset's page --------------------------------------------------------------------------


@dataclass
class PublicFacts:
    summary: str
    licence_sentence: str
    citation: str
    year: int


def _year(ds: Dataset) -> int:
    when = ds.issued or (ds.published_at.date() if ds.published_at else None) or ds.created_at.date()
    return when.year


def summary(ds: Dataset, locale: str) -> str:
    """Who publishes the dataset, how often it changes, what it gives, in one or two plain sentences."""
    from ..web import labels

    agency = ds.publisher.name(locale)
    frequency = ds.update_frequency
    if frequency and frequency not in ("UNKNOWN",):
        how_often = str(labels.label(labels.UPDATE_FREQUENCIES, frequency)).lower()
        first = gettext("%(agency)s publishes this data and updates it: %(how_often)s.", agency=agency,
                        how_often=how_often)
    else:
        first = gettext("%(agency)s publishes this data; it has not said how often it is updated.", agency=agency)
    files = [d for d in ds.distributions if d.file_path or d.download_url or d.access_url]
    if files:
        formats = ", ".join(sorted({(d.format or "?").upper() for d in files}))
        second = ngettext("It gives %(num)d file or link (%(formats)s).", "It gives %(num)d files or links "
                          "(%(formats)s).", len(files), formats=formats)
    else:
        second = gettext("It has no file to download yet.")
    return f"{first} {second}"


#: Licences in one sentence, by code; any other licence is named with a pointer to its terms.
LICENCE_SENTENCES = {
    "CC-BY-4.0": "attribution",
    "ODC-BY-1.0": "attribution",
    "CC0-1.0": "public_domain",
    "ODbL-1.0": "share_alike",
}


def licence_sentence(licence: Licence | None, locale: str) -> str:
    if licence is None:
        return gettext("No licence is given: ask the publishing agency before you reuse this data.")
    kind = LICENCE_SENTENCES.get(licence.code)
    if kind == "attribution":
        return gettext("You may copy, share and adapt this data for any purpose, commercial too, as long as you "
                       "name the source (%(licence)s).", licence=licence.title(locale))
    if kind == "public_domain":
        return gettext("You may use this data for any purpose without conditions; naming the source is still "
                       "asked by law (%(licence)s).", licence=licence.title(locale))
    if kind == "share_alike":
        return gettext("You may use and adapt this data, commercial too, if you name the source and share what "
                       "you build from the database under the same licence (%(licence)s).",
                       licence=licence.title(locale))
    if not licence.is_open:
        return gettext("This data is not under an open licence (%(licence)s): read its terms before reuse.",
                       licence=licence.title(locale))
    return gettext("This data is under an open licence (%(licence)s): read its terms and name the source.",
                   licence=licence.title(locale))


def dataset_url(ds: Dataset, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/datasets/{ds.slug}"


def citation(ds: Dataset, locale: str, base_url: str, accessed: date | None = None) -> str:
    """How to cite a dataset: agency, year, title, address and the day consulted
    (rules.CITATION_ITEMS: open-data users must name the source)."""
    accessed = accessed or date.today()
    return gettext("%(agency)s (%(year)s). %(title)s [dataset]. %(url)s. Accessed on %(accessed)s.",
                   agency=ds.publisher.name(locale), year=_year(ds), title=ds.title(locale),
                   url=dataset_url(ds, base_url), accessed=format_date(accessed))


def public_facts(session: Session, ds: Dataset, locale: str, base_url: str) -> PublicFacts:
    licence = session.get(Licence, ds.licence_code) if ds.licence_code else None
    return PublicFacts(summary=summary(ds, locale), licence_sentence=licence_sentence(licence, locale),
                       citation=citation(ds, locale, base_url), year=_year(ds))


def home_blocks(session: Session) -> dict[str, Any]:
    """The public blocks of the home page: most downloaded, themes, agencies with open data."""
    from .download_counts import most_downloaded

    return {"most_downloaded": most_downloaded(session, 5), "themes": themes(session),
            "agencies": top_agencies(session, 8)}

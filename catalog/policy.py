"""The access policy: the one place that answers "may this reader see / download / edit this?".

Pages, API, search, feeds and downloads all ask here. Visibility exists twice on purpose, as a
Python predicate (for one object) and as a SQL clause (applied inside list and search queries so
that counts and paging never reveal hidden rows); tests check that both agree.

Who sees what (Data Law Art. 3 kinds, see rules.py):
- open, published: everyone, files included;
- shared, published: members of any state agency see the metadata and download the files;
- restricted, published: members of any agency see the metadata (so that they can ask for it);
  files only through an active agreement; an *unlisted* one is seen only by its owner and by
  agencies holding an agreement;
- drafts and withdrawn records: the owner's members and site admins only.
Columns of a distribution are further trimmed by the class of each field (rules.FIELD_CLASSES).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true

from . import rules
from .models import (
    Connection,
    DataService,
    Dataset,
    Distribution,
    Organization,
    PublicFeedback,
    SharingAgreement,
    SharingRequest,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .models import Database, User

EDIT_ROLES = frozenset({"steward", "editor"})


class Forbidden(Exception):
    """The reader may not do this; pages answer 403, the API a JSON 403."""


#: A grant: columns an agreement gives on one dataset (None: every column).
Grants = Mapping[str, frozenset[str] | None]
GrantProvider = Callable[["Session", "User"], Grants]


@dataclass(frozen=True)
class Reader:
    """Everything the policy needs to know about whoever is asking."""

    user_id: str | None = None
    is_admin: bool = False
    #: organisation id -> role
    roles: Mapping[str, str] = field(default_factory=dict)
    #: dataset id -> granted columns, from active sharing agreements of the reader's agencies
    grants: Grants = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_agency_member(self) -> bool:
        """An officer of some state agency: may find shared and listed restricted data."""
        return bool(self.roles)

    def is_member_of(self, org_id: str | None) -> bool:
        return org_id is not None and org_id in self.roles

    def may_edit_in(self, org_id: str | None) -> bool:
        return self.is_admin or (org_id is not None and self.roles.get(org_id) in EDIT_ROLES)

    def is_steward_of(self, org_id: str | None) -> bool:
        return self.is_admin or (org_id is not None and self.roles.get(org_id) == "steward")


ANONYMOUS = Reader()


def _no_grants(_session: Session, _user: User) -> Grants:
    return {}


_grant_provider: GrantProvider = _no_grants


def set_grant_provider(provider: GrantProvider) -> None:
    """Sharing agreements plug in here: they tell which datasets a user's agencies were granted."""
    global _grant_provider
    _grant_provider = provider


def reader_for(session: Session, user: Any) -> Reader:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", True):
        return ANONYMOUS
    roles = {m.organization_id: m.role for m in user.memberships}
    return Reader(
        user_id=user.id,
        is_admin=bool(user.is_admin),
        roles=roles,
        grants=dict(_grant_provider(session, user)),
    )


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


# --- datasets -----------------------------------------------------------------------------------


def dataset_visibility(reader: Reader) -> ColumnElement[bool]:
    """SQL condition selecting the datasets whose metadata the reader may see."""
    if reader.is_admin:
        return true()
    published = Dataset.status == "published"
    clauses: list[ColumnElement[bool]] = [and_(published, Dataset.access_level == rules.ACCESS_OPEN)]
    if reader.is_agency_member:
        clauses.append(Dataset.publisher_id.in_(list(reader.roles)))
        clauses.append(and_(published, Dataset.access_level == rules.ACCESS_SHARED))
        clauses.append(
            and_(published, Dataset.access_level == rules.ACCESS_RESTRICTED, Dataset.unlisted.is_(False))
        )
    if reader.grants:
        clauses.append(and_(published, Dataset.id.in_(list(reader.grants))))
    return or_(*clauses) if clauses else false()


def can_view_dataset(reader: Reader, ds: Dataset) -> bool:
    if reader.is_admin or reader.is_member_of(ds.publisher_id):
        return True
    if ds.status != "published":
        return False
    if ds.access_level == rules.ACCESS_OPEN or ds.id in reader.grants:
        return True
    if not reader.is_agency_member:
        return False
    return ds.access_level == rules.ACCESS_SHARED or not ds.unlisted


def has_tombstone(ds: Dataset) -> bool:
    """A withdrawn dataset that was published as open data keeps a public tombstone (reason, date,
    replacement; rules.TOMBSTONE_BASIS): anyone may learn that it existed and why it went."""
    return ds.status == "withdrawn" and ds.access_level == rules.ACCESS_OPEN and ds.withdrawn_at is not None


def can_download(reader: Reader, ds: Dataset) -> bool:
    """May the reader fetch the dataset's files (before column trimming)?"""
    if reader.is_admin or reader.is_member_of(ds.publisher_id):
        return True
    if ds.status != "published":
        return False
    if ds.access_level == rules.ACCESS_OPEN or ds.id in reader.grants:
        return True
    return ds.access_level == rules.ACCESS_SHARED and reader.is_agency_member


def field_class(fld: Mapping[str, Any], ds: Dataset) -> str:
    """A field's class; an unclassed field is as open as its dataset, never more."""
    declared = fld.get("classification")
    if declared in rules.FIELD_CLASSES:
        return declared
    return rules.FIELD_CLASS_FOR_ACCESS.get(ds.access_level, rules.FIELD_SPECIAL_REQUEST)


def readable_columns(reader: Reader, dist: Distribution) -> frozenset[str] | None:
    """Columns of a tabular distribution the reader may receive; None means all of them.

    Owners and admins get everything. Of open and shared data, others get the columns whose class
    their access allows, plus whatever an agreement grants; of restricted data, exactly the columns
    an agreement grants. A distribution without a schema is all-or-nothing.
    """
    ds = dist.dataset
    if reader.is_admin or reader.is_member_of(ds.publisher_id):
        return None
    granted = reader.grants.get(ds.id, frozenset())
    if granted is None:  # the agreement covers every column
        return None
    fields = dist.schema_fields()
    if not fields:
        return None if can_download(reader, ds) else frozenset()
    allowed: set[str] = set(granted)
    if can_download(reader, ds) and ds.access_level != rules.ACCESS_RESTRICTED:
        for fld in fields:
            cls = field_class(fld, ds)
            if cls == rules.FIELD_OPEN or (cls == rules.FIELD_DEFAULT_SHARED and reader.is_agency_member):
                allowed.add(fld["name"])
    names = [f["name"] for f in fields]
    if all(n in allowed for n in names):
        return None
    return frozenset(n for n in names if n in allowed)


def can_download_version(reader: Reader, dist: Distribution, version_format: str | None) -> bool:
    """May the reader see and fetch an earlier file of a distribution? Only if they may fetch the
    current one: the same columns' classes apply, and only a CSV can be trimmed to the columns they
    may read (any other format is all or nothing). A version the reader may not fetch is not shown."""
    if not can_download(reader, dist.dataset):
        return False
    columns = readable_columns(reader, dist)
    if columns is None:
        return True
    return bool(columns) and (version_format or "").upper() == "CSV"


def can_edit_dataset(reader: Reader, ds: Dataset) -> bool:
    return reader.may_edit_in(ds.publisher_id)


def can_delete_dataset(reader: Reader, ds: Dataset) -> bool:
    return reader.is_steward_of(ds.publisher_id)


# --- data services ------------------------------------------------------------------------------


def dataservice_visibility(reader: Reader) -> ColumnElement[bool]:
    if reader.is_admin:
        return true()
    published = DataService.status == "published"
    clauses: list[ColumnElement[bool]] = [and_(published, DataService.access_level == rules.ACCESS_OPEN)]
    if reader.is_agency_member:
        clauses.append(DataService.publisher_id.in_(list(reader.roles)))
        clauses.append(published)
    return or_(*clauses)


def can_view_dataservice(reader: Reader, svc: DataService) -> bool:
    if reader.is_admin or reader.is_member_of(svc.publisher_id):
        return True
    if svc.status != "published":
        return False
    return svc.access_level == rules.ACCESS_OPEN or reader.is_agency_member


def can_edit_dataservice(reader: Reader, svc: DataService) -> bool:
    return reader.may_edit_in(svc.publisher_id)


# --- what signing in would show ----------------------------------------------------------------

#: an officer of some state agency, of none in particular: what signing in as one shows at least
_ANY_OFFICER = Reader(user_id="", roles={"": "member"})


def officers_see_more(session: Session, reader: Reader, kind: str) -> bool:
    """Would an officer of a state agency see published records of `kind` that this reader cannot?

    Tells a visitor facing an empty list or a zero that signing in shows more. It is one yes or
    no about the whole catalogue, never about a query, a filter or a number, so it reveals
    nothing of what is hidden beyond the fact, public by law, that agencies share data.
    """
    if reader.is_admin or reader.is_agency_member:
        return False
    if kind == "dataset":
        hidden = select(Dataset.id).where(Dataset.status == "published", dataset_visibility(_ANY_OFFICER),
                                          not_(dataset_visibility(reader)))
    elif kind == "dataservice":
        hidden = select(DataService.id).where(DataService.status == "published",
                                              dataservice_visibility(_ANY_OFFICER),
                                              not_(dataservice_visibility(reader)))
    else:
        return False  # agencies and databases are public
    return session.scalar(hidden.limit(1)) is not None


# --- organisations and databases (their catalogue entries are public) ---------------------------


def can_create_organization(reader: Reader) -> bool:
    return reader.is_admin


def can_edit_organization(reader: Reader, org: Organization) -> bool:
    return reader.is_steward_of(org.id)


def can_delete_organization(reader: Reader, _org: Organization) -> bool:
    return reader.is_admin


def can_manage_members(reader: Reader, org: Organization) -> bool:
    return reader.is_steward_of(org.id)


def can_register_in(reader: Reader, org_id: str | None) -> bool:
    """May the reader create databases, datasets and services owned by this organisation?"""
    return reader.may_edit_in(org_id)


def can_edit_database(reader: Reader, db: Database) -> bool:
    return reader.may_edit_in(db.owner_id)


def can_delete_database(reader: Reader, db: Database) -> bool:
    return reader.is_steward_of(db.owner_id)


def editable_org_ids(reader: Reader) -> list[str] | None:
    """Organisations the reader may register data for; None means all (admin)."""
    if reader.is_admin:
        return None
    return [org_id for org_id, role in reader.roles.items() if role in EDIT_ROLES]


def access_explanation_key(ds: Dataset) -> str:
    """Which plain-words explanation of the access level the dataset page shows."""
    if ds.access_level == rules.ACCESS_RESTRICTED and ds.unlisted:
        return "restricted_unlisted"
    return ds.access_level


# --- sharing requests and agreements ------------------------------------------------------------
# The requesting agency's people act for it (any role: the officer who needs the data asks);
# the provider's stewards decide (Decree 47/2020 Art. 35(3)); along the dispute path (Arts. 48-49)
# the IT unit of the ministry or province above the provider decides at step 2, represented by the
# stewards of the provider's top-level agency and by site administrators, and the minister's or
# chair's decision at step 3 is recorded by a site administrator. Nobody decides a request of
# their own agency, and nobody decides a request they wrote.


def is_requester_side(reader: Reader, req: SharingRequest) -> bool:
    return reader.is_member_of(req.requester_org_id)


def it_unit_org(provider: Organization) -> Organization | None:
    """The ministry or province above a provider (its top-level agency), if not itself."""
    ancestors = provider.ancestors()
    return ancestors[-1] if ancestors else None


def can_decide_request(reader: Reader, req: SharingRequest) -> bool:
    if not reader.is_authenticated or is_requester_side(reader, req):
        return False
    if reader.user_id in (req.created_by_id, req.submitted_by_id):
        return False
    level = req.escalation_level if req.status == "escalated" else 0
    if level <= 1:
        return reader.roles.get(req.provider_org_id) == "steward"
    if level == 2:
        unit = it_unit_org(req.provider)
        return reader.is_admin or (unit is not None and reader.roles.get(unit.id) == "steward")
    return reader.is_admin


def can_view_request(reader: Reader, req: SharingRequest) -> bool:
    """The two agencies, whoever decides along the dispute path, and administrators; a draft stays
    with the agency writing it."""
    if reader.is_admin or is_requester_side(reader, req):
        return True
    if req.status == "draft":
        return False
    if reader.is_member_of(req.provider_org_id):
        return True
    if req.escalation_level >= 2:  # the IT unit keeps seeing a dispute it was asked to settle
        unit = it_unit_org(req.provider)
        if unit is not None and reader.is_member_of(unit.id):
            return True
    return req.status == "escalated" and can_decide_request(reader, req)


def request_visibility(reader: Reader, settles_for: Iterable[str] = ()) -> ColumnElement[bool]:
    """SQL condition: the requests a reader may list. Both sides see their requests (the provider
    not the requester's drafts); `settles_for` are the agencies below the reader's own, whose
    disputes from step 2 on the reader's agency settles as their IT unit; admins see everything."""
    if reader.is_admin:
        return true()
    orgs = list(reader.roles)
    if not orgs:
        return false()
    clauses: list[ColumnElement[bool]] = [
        SharingRequest.requester_org_id.in_(orgs),
        and_(SharingRequest.provider_org_id.in_(orgs), SharingRequest.status != "draft"),
    ]
    settles_for = list(settles_for)
    if settles_for:
        clauses.append(and_(SharingRequest.provider_org_id.in_(settles_for), SharingRequest.escalation_level >= 2))
    return or_(*clauses)


def can_manage_agreement_as_provider(reader: Reader, agreement: SharingAgreement) -> bool:
    return reader.roles.get(agreement.provider_org_id) == "steward"


def can_view_agreement(reader: Reader, agreement: SharingAgreement) -> bool:
    return (reader.is_admin or reader.is_member_of(agreement.requester_org_id)
            or reader.is_member_of(agreement.provider_org_id))


def can_request_for(reader: Reader, org_id: str | None) -> bool:
    """May the reader send requests on behalf of this agency?"""
    return reader.is_member_of(org_id)


# --- harvesting -----------------------------------------------------------------------------------


def can_view_harvests(reader: Reader) -> bool:
    """Harvest sources and their logs name agencies' internal systems: officers and admins only."""
    return reader.is_admin or reader.is_agency_member


def can_manage_harvest_source(reader: Reader, source: Any) -> bool:
    """A source is run and edited by the stewards of the agency it harvests for (admins always)."""
    return reader.is_steward_of(source.organization_id)


def can_register_harvest_source(reader: Reader) -> bool:
    return reader.is_admin or any(role == "steward" for role in reader.roles.values())


# --- connections between systems ----------------------------------------------------------------
# That two public systems exchange data is public (Decree 47/2020 wants sharing known); a
# connection through a data service the reader may not see, or one that the other side has not
# confirmed yet, is seen only by the two sides and administrators. Its data items follow the
# provider's field classes; its health details (probes, lag, incidents) are for officers.


def connection_visibility(reader: Reader) -> ColumnElement[bool]:
    """SQL condition selecting the connections the reader may know of."""
    if reader.is_admin:
        return true()
    services = select(DataService.id).where(dataservice_visibility(reader))
    public = and_(Connection.confirmed_at.is_not(None),
                  or_(Connection.provider_service_id.is_(None), Connection.provider_service_id.in_(services)))
    if not reader.is_agency_member:
        return public
    orgs = list(reader.roles)
    return or_(public, Connection.consumer_org_id.in_(orgs), Connection.provider_org_id.in_(orgs))


def is_connection_party(reader: Reader, conn: Connection) -> bool:
    return reader.is_member_of(conn.consumer_org_id) or reader.is_member_of(conn.provider_org_id)


def can_view_connection(reader: Reader, conn: Connection) -> bool:
    if reader.is_admin or is_connection_party(reader, conn):
        return True
    if conn.confirmed_at is None:
        return False
    return conn.provider_service is None or can_view_dataservice(reader, conn.provider_service)


def can_view_connection_health(reader: Reader, conn: Connection) -> bool:
    """Availability, lag, latency, probes and incidents: officers of state agencies."""
    return reader.is_admin or reader.is_agency_member


def can_register_connection(reader: Reader, consumer_org_id: str, provider_org_id: str) -> bool:
    """Stewards and editors of either side register a connection; the other side confirms it."""
    return reader.may_edit_in(consumer_org_id) or reader.may_edit_in(provider_org_id)


def can_edit_connection(reader: Reader, conn: Connection) -> bool:
    return reader.may_edit_in(conn.consumer_org_id) or reader.may_edit_in(conn.provider_org_id)


def can_confirm_connection(reader: Reader, conn: Connection) -> bool:
    """A steward of the side that did not register it (either side, when an administrator did)."""
    if conn.confirmed_at is not None:
        return False
    sides = [conn.consumer_org_id, conn.provider_org_id]
    other = [org for org in sides if org != conn.registered_by_org_id] or sides
    return any(reader.roles.get(org) == "steward" for org in other) or reader.is_admin


def connection_item_visible(reader: Reader, conn: Connection, item_class: str, dataset_id: str | None,
                            name: str) -> bool:
    """May the reader see that this data item is exchanged? As the provider's field class allows."""
    if reader.is_admin or is_connection_party(reader, conn):
        return True
    if item_class == rules.FIELD_OPEN:
        return True
    if dataset_id is not None:
        granted = reader.grants.get(dataset_id, frozenset())
        if granted is None or name in granted:
            return True
    return item_class == rules.FIELD_DEFAULT_SHARED and reader.is_agency_member


def can_mark_reuse(reader: Reader, db: Database) -> bool:
    """The stewards of the system that collects the data answer a "typed twice" finding."""
    return reader.is_steward_of(db.owner_id) or reader.may_edit_in(db.owner_id)


# --- the public portal: open-data lists and public feedback ---------------------------------------


def public_dataset_ids() -> Any:
    """A select of the ids of datasets everyone may see (open and published): the only datasets an
    open-data list, a theme page or public feedback may name."""
    return select(Dataset.id).where(dataset_visibility(ANONYMOUS))


def public_feedback_visibility() -> ColumnElement[bool]:
    """Feedback is public unless it is about a dataset the public may no longer see."""
    return or_(PublicFeedback.dataset_id.is_(None), PublicFeedback.dataset_id.in_(public_dataset_ids()))


def can_view_feedback(reader: Reader, fb: PublicFeedback) -> bool:
    if fb.dataset is None or can_view_dataset(ANONYMOUS, fb.dataset):
        return True
    return reader.is_member_of(fb.organization_id) or reader.is_admin


def can_answer_feedback(reader: Reader, fb: PublicFeedback) -> bool:
    """The agency's stewards answer (admins too); the answer is published as theirs."""
    return reader.is_steward_of(fb.organization_id)


def can_manage_open_data_plans(reader: Reader, org_id: str) -> bool:
    """An agency's stewards keep its open-data list."""
    return reader.is_steward_of(org_id)

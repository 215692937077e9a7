"""The access policy: who sees which dataset, who downloads which file, which columns they get.

Every case is checked twice, with the Python predicate and with the SQL clause lists and search
use, so that a page and a list can never disagree about what a reader may see.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import policy
from catalog.models import Dataset

from .helpers import csv_distribution, dataset, make_user

CASES = {
    # name: (publisher, access, extra fields)
    "open": ("BTC", "open", {}),
    "shared": ("BTC", "shared", {}),
    "restricted": ("BTC", "restricted", {}),
    "unlisted": ("BTC", "restricted", {"unlisted": True}),
    "draft": ("BTC", "open", {"status": "draft"}),
    "withdrawn": ("BTC", "shared", {"status": "withdrawn"}),
}

# reader -> the cases whose metadata it sees, and whose files it may download
EXPECTED = {
    "anonymous": ({"open"}, {"open"}),
    "no_agency": ({"open"}, {"open"}),
    "other_agency": ({"open", "shared", "restricted"}, {"open", "shared"}),
    "owner_member": (set(CASES), set(CASES)),
    "admin": (set(CASES), set(CASES)),
}


@pytest.fixture
def world(session):
    made = {name: dataset(session, pub, access, title_vi=f"Ca {name}", **extra)
            for name, (pub, access, extra) in CASES.items()}
    readers = {
        "anonymous": policy.ANONYMOUS,
        "no_agency": policy.reader_for(session, make_user(session, "citizen@example.vn")),
        "other_agency": policy.reader_for(session, make_user(session, "officer@hn.gov.vn", roles={"HN": "member"})),
        "owner_member": policy.reader_for(session, make_user(session, "officer@mof.gov.vn", roles={"BTC": "member"})),
        "admin": policy.reader_for(session, make_user(session, "admin@example.vn", admin=True)),
    }
    return made, readers


@pytest.mark.parametrize("reader_name", list(EXPECTED))
def test_visibility_predicate_and_sql_agree(session, world, reader_name):
    made, readers = world
    reader = readers[reader_name]
    expected_view, expected_download = EXPECTED[reader_name]
    by_python = {name for name, ds in made.items() if policy.can_view_dataset(reader, ds)}
    ids = set(session.scalars(select(Dataset.id).where(policy.dataset_visibility(reader))))
    by_sql = {name for name, ds in made.items() if ds.id in ids}
    assert by_python == expected_view
    assert by_sql == expected_view
    assert {name for name, ds in made.items() if policy.can_download(reader, ds)} == expected_download


def test_agreement_grant_reveals_unlisted_dataset_to_holder_only(session, world):
    made, readers = world
    other = readers["other_agency"]
    granted = policy.Reader(user_id=other.user_id, roles=other.roles, grants={made["unlisted"].id: None})
    assert not policy.can_view_dataset(other, made["unlisted"])
    assert policy.can_view_dataset(granted, made["unlisted"])
    assert policy.can_download(granted, made["unlisted"])
    ids = set(session.scalars(select(Dataset.id).where(policy.dataset_visibility(granted))))
    assert made["unlisted"].id in ids
    # a grant never reveals a draft
    draft_grant = policy.Reader(user_id=other.user_id, roles=other.roles, grants={made["draft"].id: None})
    assert not policy.can_view_dataset(draft_grant, made["draft"])


def test_editing_rights_follow_roles(session):
    ds = dataset(session, "BTC", "open")
    editor = policy.reader_for(session, make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"}))
    member = policy.reader_for(session, make_user(session, "m@mof.gov.vn", roles={"BTC": "member"}))
    steward = policy.reader_for(session, make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"}))
    outsider = policy.reader_for(session, make_user(session, "st@hn.gov.vn", roles={"HN": "steward"}))
    assert policy.can_edit_dataset(editor, ds) and not policy.can_delete_dataset(editor, ds)
    assert policy.can_edit_dataset(steward, ds) and policy.can_delete_dataset(steward, ds)
    assert not policy.can_edit_dataset(member, ds)
    assert not policy.can_edit_dataset(outsider, ds)
    assert policy.editable_org_ids(member) == []


SCHEMA = {"fields": [
    {"name": "ma", "type": "string", "classification": "open"},
    {"name": "ten", "type": "string", "classification": "default_shared"},
    {"name": "so_dinh_danh", "type": "string", "classification": "special_request"},
    {"name": "ghi_chu", "type": "string"},
]}


def test_field_classes_trim_columns(seeded_app, session):
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    content = b"ma,ten,so_dinh_danh,ghi_chu\n1,A,001,x\n"
    open_ds = dataset(session, "BTC", "open")
    shared_ds = dataset(session, "BTC", "shared")
    open_dist = csv_distribution(session, open_ds, folder, content, SCHEMA)
    shared_dist = csv_distribution(session, shared_ds, folder, content, SCHEMA)
    other = policy.reader_for(session, make_user(session, "o@hn.gov.vn", roles={"HN": "member"}))
    owner = policy.reader_for(session, make_user(session, "o@mof.gov.vn", roles={"BTC": "member"}))

    # the public gets the open columns of open data; an unclassed field is as open as its dataset
    assert policy.readable_columns(policy.ANONYMOUS, open_dist) == {"ma", "ghi_chu"}
    # an officer of another agency adds the default-shared column, never the special-request one
    assert policy.readable_columns(other, open_dist) == {"ma", "ten", "ghi_chu"}
    # shared data: unclassed fields are default-shared
    assert policy.readable_columns(other, shared_dist) == {"ma", "ten", "ghi_chu"}
    assert policy.readable_columns(policy.ANONYMOUS, shared_dist) == frozenset()
    # the owner gets everything
    assert policy.readable_columns(owner, shared_dist) is None
    # an agreement granting one more column adds exactly that one
    granted = policy.Reader(user_id=other.user_id, roles=other.roles,
                            grants={shared_ds.id: frozenset({"so_dinh_danh"})})
    assert policy.readable_columns(granted, shared_dist) is None


@pytest.mark.parametrize("reader_name", list(EXPECTED))
def test_visible_dataset_treats_hidden_like_missing(session, world, reader_name):
    from catalog.services.common import NotFound, visible_dataset

    made, readers = world
    reader = readers[reader_name]
    expected_view, _ = EXPECTED[reader_name]
    for name, ds in made.items():
        for key in (ds.slug, ds.id):
            if name in expected_view:
                assert visible_dataset(session, reader, key) is ds
            else:
                with pytest.raises(NotFound) as hidden:
                    visible_dataset(session, reader, key)
                with pytest.raises(NotFound) as missing:
                    visible_dataset(session, reader, key + "-nowhere")
                assert type(hidden.value) is type(missing.value)


def test_harvest_rights(session):
    from types import SimpleNamespace

    from catalog.services.common import org_by_code

    source = SimpleNamespace(organization_id=org_by_code(session, "BTC").id)
    steward = policy.reader_for(session, make_user(session, "st@mof.gov.vn", roles={"BTC": "steward"}))
    member = policy.reader_for(session, make_user(session, "m@hn.gov.vn", roles={"HN": "member"}))
    other_steward = policy.reader_for(session, make_user(session, "st@hn.gov.vn", roles={"HN": "steward"}))
    admin = policy.reader_for(session, make_user(session, "ad@example.vn", admin=True))
    citizen = policy.reader_for(session, make_user(session, "c@example.vn"))
    assert [policy.can_view_harvests(r) for r in (steward, member, admin, citizen, policy.ANONYMOUS)] == [
        True, True, True, False, False]
    assert [policy.can_manage_harvest_source(r, source) for r in (steward, other_steward, member, admin)] == [
        True, False, False, True]
    assert [policy.can_register_harvest_source(r) for r in (steward, other_steward, member, admin, citizen)] == [
        True, True, False, True, False]

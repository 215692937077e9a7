"""Issue 18: the add-file form names a file from its name and keeps it across a failed submit;
CSV downloads come with a variant Excel on Windows opens (UTF-8 with BOM)."""

from __future__ import annotations

import io
import os
import time

from sqlalchemy import select

from catalog.models import Distribution
from catalog.services import files
from catalog.services.distributions import title_from_file_name

from .helpers import csv_distribution, dataset, login, make_user

CSV = "tinh,so_dan\nHà Nội,8500000\nĐà Nẵng,1200000\n".encode()


def _editor(client, session):
    make_user(session, "ed@mof.gov.vn", roles={"BTC": "editor"})
    login(client, "ed@mof.gov.vn")
    return dataset(session, "BTC", "open")


def test_a_file_without_a_title_takes_its_name(client, session):
    ds = _editor(client, session)
    r = client.post(f"/datasets/{ds.slug}/distributions/new",
                    data={"title_vi": "", "file": (io.BytesIO(CSV), "dan_so-theo-tinh_2025.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    dist = session.scalars(select(Distribution).where(Distribution.dataset_id == ds.id)).one()
    assert dist.title_vi == "dan so theo tinh 2025" and dist.file_name == "dan_so-theo-tinh_2025.csv"
    assert title_from_file_name("C:\\Users\\a\\Dân số.xlsx") == "Dân số"


def test_a_failed_submit_keeps_the_file_for_the_next_one(client, session, seeded_app):
    ds = _editor(client, session)
    url = f"/datasets/{ds.slug}/distributions/new"
    failed = client.post(url, data={"title_vi": "Dân số", "modified": "không phải ngày",
                                    "file": (io.BytesIO(CSV), "dân số.csv")}, content_type="multipart/form-data")
    assert failed.status_code == 400
    html = failed.get_data(as_text=True)
    assert 'id="pending-file"' in html and "dân số.csv" in html
    token = html.split('name="pending_file" value="', 1)[1].split('"', 1)[0]
    assert session.scalars(select(Distribution).where(Distribution.dataset_id == ds.id)).all() == []
    # another user cannot use the token
    other = seeded_app.test_client()
    make_user(session, "other@mof.gov.vn", roles={"BTC": "editor"})
    login(other, "other@mof.gov.vn")
    stolen = other.post(url, data={"title_vi": "X", "pending_file": token, "pending_name": "x.csv"})
    assert stolen.status_code == 400  # no file, no link: nothing to add
    # corrected, without choosing the file again
    done = client.post(url, data={"title_vi": "Dân số", "modified": "2025-01-01", "pending_file": token,
                                  "pending_name": "dân số.csv"})
    assert done.status_code == 302
    dist = session.scalars(select(Distribution).where(Distribution.dataset_id == ds.id)).one()
    assert dist.file_name == "dân số.csv" and dist.format == "CSV" and dist.byte_size == len(CSV)
    folder = seeded_app.config["CATALOG"]["UPLOAD_FOLDER"]
    assert files.resolve(folder, dist.file_path).read_bytes() == CSV
    assert not list((files.Path(folder) / files.PENDING_FOLDER).glob("*/*/*/*"))  # the kept copy is gone


def test_kept_files_expire(tmp_path):
    kept = files.keep_pending(files.PendingUpload("a.csv", "text/csv", io.BytesIO(CSV), "", 0), str(tmp_path),
                              "user-1", 1 << 20)
    path = files.resolve(str(tmp_path / files.PENDING_FOLDER / "user-1"), kept.token)
    assert files.take_pending(str(tmp_path), "user-2", kept.token) is None
    taken = files.take_pending(str(tmp_path), "user-1", kept.token)
    assert taken is not None and taken.stream.read() == CSV
    taken.stream.close()
    old = time.time() - files.PENDING_SECONDS - 5
    os.utime(path, (old, old))
    assert files.prune_pending(str(tmp_path)) == 1
    assert files.take_pending(str(tmp_path), "user-1", kept.token) is None
    assert files.take_pending(str(tmp_path), "user-1", "../../etc/passwd") is None


def test_csv_downloads_offer_an_excel_variant_with_a_bom(client, session, seeded_app):
    ds = dataset(session, "BTC", "open")
    dist = csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], CSV)
    page = client.get(f"/datasets/{ds.slug}").get_data(as_text=True)
    assert f"/distributions/{dist.id}/download/excel" in page and "CSV cho Excel (Windows)" in page
    plain = client.get(f"/distributions/{dist.id}/download")
    assert plain.data == CSV  # the plain UTF-8 file, as stored
    excel = client.get(f"/distributions/{dist.id}/download/excel")
    assert excel.status_code == 200 and excel.data.startswith(b"\xef\xbb\xbf")
    assert excel.data[3:].decode("utf-8") == "tinh,so_dan\r\nHà Nội,8500000\r\nĐà Nẵng,1200000\r\n"
    assert "data%20%28Excel%29.csv" in excel.headers["Content-Disposition"]


def test_the_preview_scrolls_in_its_own_box(client, session, seeded_app):
    """The page never grows wider than a narrow screen: the one-column layout may shrink below its
    content (minmax(0, 1fr)), and the preview table scrolls sideways in its box, columns whole."""
    from catalog.config import PROJECT_ROOT

    wide = ",".join(f"cot_{i}" for i in range(40)) + "\n" + ",".join("giá trị dài" for _ in range(40)) + "\n"
    ds = dataset(session, "BTC", "open")
    csv_distribution(session, ds, seeded_app.config["CATALOG"]["UPLOAD_FOLDER"], wide.encode())
    html = client.get(f"/datasets/{ds.slug}").get_data(as_text=True)
    boxes = html.split('<div class="table-scroll" tabindex="0" role="region"')[1:]
    box = next(b for b in boxes if b.split(">", 2)[1].startswith('<table class="small preview"'))
    assert "cot_39" in box.split("</table>", 1)[0]
    css = (PROJECT_ROOT / "catalog" / "static" / "css" / "site.css").read_text()
    narrow = css.split("@media (max-width: 52rem) {", 1)[1].split("}", 1)[0]
    assert "grid-template-columns: minmax(0, 1fr)" in narrow
    assert ".layout > * { min-width: 0; }" in css
    assert ".table-scroll { overflow-x: auto; max-width: 100%; }" in css
    assert ".table-scroll table.preview { width: auto; min-width: 100%; }" in css

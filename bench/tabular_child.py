"""One measured run of bench_tabular, in its own process so that its peak memory is its own.

    python -m bench.tabular_child ROWS FOLDER

Builds a catalogue in FOLDER (SQLite), writes a ROWS-row CSV, registers it on a draft open dataset,
then publishes the dataset: the publish-time preparation (statistics, CSV/JSON/XLSX/data-package
conversions, the rows table) is timed, and the peak resident memory is read before and after it.
Then asks the rows API with a filter many times through the app. Prints one JSON line.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

PROVINCES = [("01", "Hà Nội"), ("79", "Thành phố Hồ Chí Minh"), ("48", "Đà Nẵng"), ("31", "Hải Phòng"),
             ("92", "Cần Thơ"), ("02", "Hà Giang"), ("46", "Thừa Thiên Huế"), ("22", "Quảng Ninh"),
             ("38", "Thanh Hóa"), ("40", "Nghệ An"), ("66", "Đắk Lắk"), ("75", "Đồng Nai")]
UNITS = ["Trường Tiểu học Nguyễn Trãi", "Trạm Y tế xã Đông Hưng", "Ủy ban nhân dân phường Hòa Khánh",
         "Chi cục Thuế khu vực Bắc Từ Liêm", "Bệnh viện Đa khoa tỉnh Quảng Ngãi"]
SCHEMA = {"fields": [
    {"name": "id", "type": "integer"}, {"name": "ma_tinh", "type": "string"}, {"name": "tinh", "type": "string"},
    {"name": "don_vi", "type": "string"}, {"name": "so_luong", "type": "integer"},
    {"name": "gia_tri", "type": "number"}, {"name": "ngay", "type": "date"}]}


def _cpu_s() -> tuple[float, float]:
    """CPU time of this process, and of the children it waited for (the conversions' helper)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _helper_peak_mb() -> float:
    """The peak of the largest child waited for (the conversions' process of a large file)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def write_table(path: Path, rows: int) -> None:
    rnd = random.Random(13)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([f["name"] for f in SCHEMA["fields"]])
        for i in range(1, rows + 1):
            code, name = PROVINCES[i % len(PROVINCES)]
            writer.writerow([i, code, name, UNITS[i % len(UNITS)], rnd.randint(0, 50_000),
                             f"{rnd.random() * 1000:.2f}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"])


def main(rows: int, folder: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from catalog import create_app, migrate
    from catalog.config import PROJECT_ROOT
    from catalog.db import registry_db
    from catalog.models import PublicFile
    from catalog.services import datasets, distributions
    from catalog.services.actor import system_actor
    from catalog.services.seed import load_seed

    app = create_app({"INSTANCE_PATH": str(folder / "instance"), "SECRET_KEY": "bench", "QUALITY_AUTO": False,
                      "RATELIMIT_ENABLED": False, "PUBLIC_FILES_INLINE_MB": 100_000, "MAX_UPLOAD_MB": 2000})
    app.config.update(SERVER_NAME="catalog.test")
    migrate.upgrade(app)
    data = folder / "data.csv"
    write_table(data, rows)

    class Upload:
        filename, mimetype = "data.csv", "text/csv"

        def __init__(self) -> None:
            self.stream = open(data, "rb")  # noqa: SIM115 - read to the end by the service

    with app.app_context():
        s = registry_db(app).session_factory()
        load_seed(s, PROJECT_ROOT / "seed", app.config["CATALOG"])
        s.commit()
        actor = system_actor("bench")
        ds = datasets.create_dataset(s, actor, {
            "title_vi": "Đơn vị theo tỉnh", "description_vi": "Bảng thử", "publisher": "BTC", "access_level": "open",
            "licence": "CC-BY-4.0", "contact_email": "a@b.gov.vn", "status": "draft"})
        dist = distributions.add_distribution(s, actor, ds, {"title_vi": "Bảng", "table_schema": SCHEMA},
                                              distributions.storage_for(app.config["CATALOG"]), Upload())
        s.commit()
        before_mb = _peak_mb()
        cpu = _cpu_s()
        started = time.perf_counter()
        datasets.update_dataset(s, actor, ds, {"status": "published"})
        s.commit()
        prepare_s = time.perf_counter() - started
        own_cpu, kids_cpu = _cpu_s()
        main_cpu_s, helper_cpu_s = own_cpu - cpu[0], kids_cpu - cpu[1]
        peak_mb = _peak_mb()
        record = s.get(PublicFile, dist.id)
        assert record is not None and record.status == "ready", record and record.message
        slug, imported = ds.slug, record.row_count
        s.close()
    client = app.test_client()
    timings, cpu_timings = [], []
    rnd = random.Random(7)
    for n in range(200):
        _code, name = PROVINCES[rnd.randrange(len(PROVINCES))]
        query = json.dumps({"tinh": name}, ensure_ascii=False)
        offset = rnd.randrange(0, 2000) if n % 2 else 0
        started, cpu = time.perf_counter(), time.process_time()
        r = client.get(f"/api/v1/datasets/{slug}/rows", query_string={"filters": query, "limit": 100,
                                                                       "offset": offset})
        timings.append(time.perf_counter() - started)
        cpu_timings.append(time.process_time() - cpu)
        assert r.status_code == 200 and r.get_json()["total"] > 0, r.data[:300]
    timings.sort()
    cpu_timings.sort()
    return {"rows": imported, "prepare_s": prepare_s, "prepare_cpu_s": main_cpu_s + helper_cpu_s,
            "main_cpu_s": main_cpu_s, "helper_cpu_s": helper_cpu_s, "before_mb": before_mb,
            "helper_peak_mb": _helper_peak_mb(),
            "peak_mb": peak_mb, "p50_ms": timings[len(timings) // 2] * 1000,
            "p95_ms": timings[int(len(timings) * 0.95)] * 1000,
            "p95_cpu_ms": cpu_timings[int(len(cpu_timings) * 0.95)] * 1000,
            "load": os.getloadavg()[0]}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), Path(sys.argv[2]))))

"""Benchmark the raw responses export (CSV and XLSX) through the streaming HTTP code path.

    .venv/bin/python benchmarks/bench_export.py                 # 1,000,000 and 100,000 rows
    .venv/bin/python benchmarks/bench_export.py --rows 200000   # smaller run

For each size: a fresh SQLite file in a temporary folder, the Hương Sơn demo round (transaction
counts scaled so every commune's N_h exceeds its respondents), seeded synthetic responses
bulk-inserted, an analyst account. Each export then runs in its own child process, which logs
in and GETs ``/staff/rounds/<round>/exports/responses.<fmt>`` with the Flask test client,
reading the streamed body chunk by chunk and throwing it away (as a slow client would). The
child reports the wall and CPU time, the time to the first byte (row count, weights of the
round, audit entry; for XLSX also the whole workbook) and the growth of its peak resident
memory (Linux VmHWM, the high-water mark reset with /proc/self/clear_refs) up to the first
byte and while the body streams. Another child times the weights step alone.

The CSV rate is compared with the baseline the issue states: 50,000 rows in 9 seconds
(5,556 rows/s); the target is at least 10 times that. Memory should not grow with the rows:
the 100,000-row and the full-size runs are printed side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, update  # noqa: E402  (the repository root is added above)

from survey_app import create_app, migrate  # noqa: E402
from survey_app.db import session_scope  # noqa: E402
from survey_app.demo.setup import DEMO_ROUND, load_demo  # noqa: E402
from survey_app.responses.frames import cell_counts, population_table  # noqa: E402
from survey_app.responses.models import Response  # noqa: E402
from survey_app.results.options import results_options  # noqa: E402
from survey_app.results.weighting import weigh_round  # noqa: E402
from survey_app.rounds.models import RoundUnit  # noqa: E402
from survey_app.rounds.services import round_by_code  # noqa: E402
from survey_app.staff.accounts import create_user  # noqa: E402
from survey_app.units.models import AdminUnit, TransactionCount  # noqa: E402

SEED = 20211025
BASELINE_ROWS_PER_SECOND = 50_000 / 9
PASSWORD = "benchmark-password"
POOL = 20_000
BATCH = 20_000
START = dt.datetime(2021, 10, 1, 1, 0, tzinfo=dt.UTC)
FIELDS = ("ho_tich", "chung_thuc", "ldtbxh", "dat_dai", "xay_dung", "nong_nghiep", "van_hoa")
FIELD_SHARES = (0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05)
ITEMS = (
    *(f"access_{i}" for i in range(1, 5)),
    *(f"procedures_{i}" for i in range(1, 5)),
    *(f"civil_servants_{i}" for i in range(1, 6)),
    *(f"results_{i}" for i in range(1, 4)),
)
# One comment in five would be read as a formula by a spreadsheet (it must be neutralised).
COMMENTS = (
    "Cán bộ nhiệt tình, chu đáo.",
    "Thủ tục nhanh, gọn",
    "Không có ý kiến",
    "Cần thêm ghế chờ",
    "=1+1 thử công thức",
)


def config(database: Path, instance: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "benchmark",
        "DATABASE_URL": f"sqlite:///{database}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }


def answer_pool(rng: np.random.Generator) -> list[dict[str, Any]]:
    """Distinct plausible answer sets; responses draw from them (generation stays fast)."""
    scale = np.array([0.04, 0.08, 0.18, 0.4, 0.3])
    pool = []
    for _ in range(POOL):
        answers: dict[str, Any] = {"field": str(rng.choice(FIELDS, p=FIELD_SHARES))}
        for item in ITEMS:
            answers[item] = "9" if rng.random() < 0.03 else str(rng.choice(5, p=scale) + 1)
        if rng.random() < 0.25:
            answers["feedback_made"] = "1"
            answers.update({f"feedback_{i}": str(rng.choice(5, p=scale) + 1) for i in (1, 2, 3)})
        else:
            answers["feedback_made"] = "2"
        answers["overall"] = str(rng.choice(5, p=scale) + 1)
        answers["sex"] = str(rng.integers(1, 3))
        answers["age_group"] = str(rng.integers(1, 6))
        if rng.random() < 0.05:
            answers["comment"] = str(rng.choice(COMMENTS))
        pool.append(answers)
    return pool


def build_database(folder: Path, rows: int) -> Path:
    """A fresh SQLite database with the demo round, scaled counts and ``rows`` responses."""
    database = folder / "bench.sqlite3"
    migrate.upgrade(f"sqlite:///{database}")
    app = create_app(config(database, folder / "instance"))
    rng = np.random.default_rng(SEED)
    with app.app_context():
        with session_scope() as session:
            survey_round = load_demo(session, START)
            create_user(session, username="analyst", password=PASSWORD, role="analyst")
            units = session.execute(
                select(AdminUnit.id, TransactionCount.transactions)
                .join(TransactionCount, TransactionCount.unit_id == AdminUnit.id)
                .join(RoundUnit, RoundUnit.unit_id == AdminUnit.id)
                .where(TransactionCount.field == "", RoundUnit.round_id == survey_round.id)
                .order_by(AdminUnit.code)
            ).all()
            total = sum(count for _, count in units)
            # Quotas follow the transaction volume; N_h must stay above n_h for the weights.
            factor = int(np.ceil(3 * rows / total))
            session.execute(
                update(TransactionCount).values(transactions=TransactionCount.transactions * factor)
            )
            round_id = survey_round.id
        unit_ids = np.array([unit_id for unit_id, _ in units])
        shares = np.array([count for _, count in units], dtype=float) / total
        pool = answer_pool(rng)
        table = Response.__table__
        for start in range(0, rows, BATCH):
            size = min(BATCH, rows - start)
            picks = rng.integers(0, POOL, size)
            unit_of = rng.choice(unit_ids, size, p=shares)
            offsets = rng.integers(0, 60 * 24 * 3600, size)
            durations = rng.integers(90, 900, size)
            batch = []
            for k in range(size):
                answers = pool[int(picks[k])]
                batch.append(
                    {
                        "submission_id": str(uuid.UUID(int=start + k + 1)),
                        "round_id": round_id,
                        "unit_id": int(unit_of[k]),
                        "form_id": "sipas-commune",
                        "form_version": "2021.1",
                        "submitted_at": START + dt.timedelta(seconds=int(offsets[k])),
                        "duration_seconds": int(durations[k]),
                        "channel": "qr",
                        "language": "vi",
                        "sex": answers["sex"],
                        "age_group": answers["age_group"],
                        "field": answers["field"],
                        "over_quota": False,
                        "answers": answers,
                    }
                )
            with session_scope() as session:
                session.execute(insert(table), batch)
    app.extensions["db_engine"].dispose()
    return database


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {name} in /proc/self/status")


def _reset_peak() -> int:
    """Reset the peak-RSS mark (Linux clear_refs "5"); return the resident size in kB."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def measure_weights(database: Path) -> dict[str, Any]:
    """In this (child) process: the weights step alone (cell counts, then the weighting)."""
    app = create_app(config(database, database.parent / "instance"))
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        population = population_table(session, survey_round)
        options = results_options(app.config, DEMO_ROUND)
        before = _reset_peak()
        started = time.perf_counter()
        weigh_round(cell_counts(session, survey_round), population, options.weighting)
        elapsed = time.perf_counter() - started
    return {
        "format": "weights",
        "seconds": elapsed,
        "peak_growth_mb": (_status_kb("VmHWM") - before) / 1024,
    }


def measure(database: Path, fmt: str) -> dict[str, Any]:
    """In this (child) process: log in, stream one export, report time and memory.

    Memory is measured twice: up to the first byte (row count, weights, audit entry; for
    XLSX also writing the workbook to its temporary file) and while the body streams.
    """
    if fmt == "weights":
        return measure_weights(database)
    app = create_app(config(database, database.parent / "instance"))
    client = app.test_client()
    reply = client.post("/staff/login", data={"username": "analyst", "password": PASSWORD})
    assert reply.status_code == 302, reply.status_code
    before = _reset_peak()
    cpu_started = time.process_time()
    started = time.perf_counter()
    response = client.get(f"/staff/rounds/{DEMO_ROUND}/exports/responses.{fmt}", buffered=False)
    assert response.status_code == 200, response.status_code
    first_byte = setup_growth = None
    streaming_before = size = 0
    for chunk in response.response:
        if first_byte is None:
            first_byte = time.perf_counter() - started
            setup_growth = (_status_kb("VmHWM") - before) / 1024
            streaming_before = _reset_peak()
        size += len(chunk)
    response.close()
    elapsed = time.perf_counter() - started
    return {
        "format": fmt,
        "seconds": elapsed,
        "cpu_seconds": time.process_time() - cpu_started,
        "first_byte_seconds": first_byte,
        "bytes": size,
        "rss_before_mb": before / 1024,
        "setup_growth_mb": setup_growth,
        "streaming_growth_mb": (_status_kb("VmHWM") - streaming_before) / 1024,
    }


def run_child(database: Path, fmt: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(database), "--format", fmt],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="the comparison size")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--format", default="csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.format)))
        return
    formats = args.formats.split(",")
    results: dict[int, list[dict[str, Any]]] = {}
    for rows in sorted({args.small, args.rows}):
        with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
            started = time.perf_counter()
            database = build_database(Path(folder), rows)
            built = time.perf_counter() - started
            print(
                f"{rows:>9,} rows: database built in {built:.1f} s "
                f"({os.path.getsize(database) / 2**20:.0f} MB)",
                flush=True,
            )
            results[rows] = []
            for fmt in ["weights", *formats]:
                result = run_child(database, fmt)
                result["rows"] = rows
                results[rows].append(result)
                if fmt == "weights":
                    print(
                        f"  weights step alone {result['seconds']:6.2f} s"
                        f"  peak memory growth {result['peak_growth_mb']:6.1f} MB",
                        flush=True,
                    )
                    continue
                print(
                    f"  {fmt:<4} {result['seconds']:7.1f} s"
                    f"  {rows / result['seconds']:>9,.0f} rows/s"
                    f"  (CPU {result['cpu_seconds']:.1f} s)"
                    f"  first byte {result['first_byte_seconds']:.2f} s"
                    f"  {result['bytes'] / 2**20:6.0f} MB out"
                    f"  peak memory growth: {result['setup_growth_mb']:6.1f} MB to the first byte,"
                    f" {result['streaming_growth_mb']:5.1f} MB while streaming",
                    flush=True,
                )
    print()
    for rows, measured in results.items():
        for result in measured:
            if result["format"] == "csv":
                rate = rows / result["seconds"]
                cpu_rate = rows / result["cpu_seconds"]
                print(
                    f"CSV at {rows:,} rows: {rate:,.0f} rows/s = "
                    f"{rate / BASELINE_ROWS_PER_SECOND:.1f}x the baseline of 50,000 rows in 9 s "
                    f"(target >= 10x); per CPU second {cpu_rate:,.0f} rows/s = "
                    f"{cpu_rate / BASELINE_ROWS_PER_SECOND:.1f}x"
                )
    if len(results) == 2:
        small, large = sorted(results)
        for before, after in zip(results[small], results[large], strict=True):
            name = before["format"].upper()
            if before["format"] == "weights":
                print(
                    f"WEIGHTS step peak memory growth: {before['peak_growth_mb']:.1f} MB at "
                    f"{small:,} rows, {after['peak_growth_mb']:.1f} MB at {large:,} rows"
                )
                continue
            print(
                f"{name} peak memory growth while streaming: "
                f"{before['streaming_growth_mb']:.1f} MB at {small:,} rows, "
                f"{after['streaming_growth_mb']:.1f} MB at {large:,} rows; up to the first byte: "
                f"{before['setup_growth_mb']:.1f} MB and {after['setup_growth_mb']:.1f} MB"
            )


if __name__ == "__main__":
    main()

"""Server time to render the monitoring dashboard with a million responses in PostgreSQL.

One command: ``.venv/bin/python benchmarks/bench_dashboard.py [--rows 1000000] [--runs 9]``.

On the server of SURVEY_TEST_POSTGRES_URL (default 127.0.0.1:5432) this creates a fresh
database, so that other sessions on the shared ``test`` database (a concurrent pytest, an idle
transaction) cannot hold back VACUUM's visibility horizon and turn index-only scans into heap
reads. There it migrates, loads the Hương Sơn demo round (25 units), computes its targets and
quota cells, then COPYs ``--rows`` seeded synthetic responses spread over the round's last 60
days (units in proportion to their transactions, fields by the units' field split) and runs
VACUUM ANALYZE, as autovacuum would after such a load. It then renders, through the Flask test
client as a logged-in district officer, the district view and the largest unit's view: a
warm-up, then the median of ``--runs`` renders each, beside the same client's ``/healthz`` as
the baseline. Target: under 200 ms for each view. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from survey_app import create_app, migrate  # noqa: E402
from survey_app.db import session_scope  # noqa: E402
from survey_app.demo.setup import DEMO_ROUND, load_demo  # noqa: E402
from survey_app.questionnaires.model import Questionnaire  # noqa: E402
from survey_app.quotas.targets import TargetPlan, compute_targets  # noqa: E402
from survey_app.responses.quality import is_straightlined  # noqa: E402
from survey_app.rounds.models import RoundUnit  # noqa: E402
from survey_app.staff.accounts import create_user  # noqa: E402
from survey_app.units.models import AdminUnit, TransactionCount  # noqa: E402

POSTGRES_URL = os.environ.get(
    "SURVEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_MS = 200.0
DAYS = 60
BATCH = 50_000
#: Distinct answer documents; each row takes one (the dashboard never reads answers, but the
#: table must be as wide as a real one for the timing to mean anything).
ANSWER_SETS = 2000
SEX_AGE_SHARES = [(s, a, 1.0) for s in ("1", "2") for a in ("1", "2", "3", "4", "5")]
PASSWORD = "benchmark-password"
COLUMNS = (
    "submission_id",
    "round_id",
    "unit_id",
    "form_id",
    "form_version",
    "submitted_at",
    "local_date",
    "duration_seconds",
    "channel",
    "language",
    "sex",
    "age_group",
    "field",
    "over_quota",
    "straightlined",
    "answers",
)


def fresh_database() -> tuple[str, str]:
    name = f"bench_dashboard_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def answer_sets(questionnaire: Questionnaire, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Plausible answers; about 3 % straight-lined (every scored item the same)."""
    scored = list(questionnaire.scored_items())
    sets = []
    for _ in range(ANSWER_SETS):
        lean = rng.integers(3, 6)
        if rng.random() < 0.03:
            answers = dict.fromkeys(scored, str(lean))
        else:
            answers = {name: str(int(np.clip(lean + rng.integers(-2, 2), 1, 5))) for name in scored}
        answers["feedback_made"] = "2"
        for name in ("feedback_1", "feedback_2", "feedback_3"):
            answers.pop(name, None)
        answers["overall"] = str(lean)
        sets.append(answers)
    return sets


def synthetic_rows(
    app: Flask, rows: int, seed: int, closes_at: dt.datetime
) -> Iterator[tuple[Any, ...]]:
    """Seeded rows in COPY column order, generated in batches so memory stays flat."""
    rng = np.random.default_rng(seed)
    with app.app_context(), session_scope() as session:
        units = session.execute(
            sa.select(
                TransactionCount.unit_id, TransactionCount.field, TransactionCount.transactions
            )
        ).all()
        round_id = session.scalar(
            sa.text("SELECT id FROM survey_round WHERE code = :c"), {"c": DEMO_ROUND}
        )
    questionnaire: Questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    totals = {unit: n for unit, field, n in units if field == ""}
    unit_ids = np.array(sorted(totals))
    unit_p = np.array([totals[u] for u in unit_ids], dtype=float)
    unit_p /= unit_p.sum()
    fields = {u: [(f, n) for uu, f, n in units if uu == u and f] for u in unit_ids}
    documents = answer_sets(questionnaire, rng)
    encoded = [json.dumps(answers) for answers in documents]
    straight = [is_straightlined(questionnaire, answers) for answers in documents]
    end = closes_at - dt.timedelta(days=1)
    vietnam = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh has no DST
    for start in range(0, rows, BATCH):
        size = min(BATCH, rows - start)
        unit_of = rng.choice(unit_ids, size=size, p=unit_p)
        seconds_ago = rng.integers(0, DAYS * 86400, size=size)
        durations = np.round(rng.lognormal(5.3, 0.6, size=size)).astype(int)
        sexes = rng.choice(["1", "2"], size=size)
        ages = rng.choice(["1", "2", "3", "4", "5"], size=size, p=[0.12, 0.22, 0.3, 0.22, 0.14])
        docs = rng.integers(0, ANSWER_SETS, size=size)
        over = rng.random(size) < 0.01
        ids = rng.bytes(16 * size)
        for i in range(size):
            unit = int(unit_of[i])
            names, weights = zip(*fields[unit], strict=True)
            p = np.array(weights, dtype=float)
            field = names[int(np.searchsorted(np.cumsum(p / p.sum()), rng.random()))]
            moment = end - dt.timedelta(seconds=int(seconds_ago[i]))
            yield (
                str(uuid.UUID(bytes=ids[16 * i : 16 * i + 16])),
                round_id,
                unit,
                "sipas-commune",
                "2021.1",
                moment,
                moment.astimezone(vietnam).date(),
                int(durations[i]),
                "qr",
                "vi",
                str(sexes[i]),
                str(ages[i]),
                field,
                bool(over[i]),
                straight[int(docs[i])],
                encoded[int(docs[i])],
            )


def load(app: Flask, url: str, rows: int, seed: int) -> float:
    """Demo round, targets, users, then the responses by COPY; returns the load seconds."""
    now = dt.datetime.now(dt.UTC)
    with app.app_context(), session_scope() as session:
        survey_round = load_demo(session, now)
        survey_round.opens_at = now - dt.timedelta(days=DAYS)
        compute_targets(
            session,
            survey_round,
            TargetPlan(sex_age_shares=tuple(SEX_AGE_SHARES)),
            actor_name="bench",
        )
        create_user(session, username="noivu", password=PASSWORD, role="district_officer")
        closes_at = survey_round.closes_at
    started = time.perf_counter()
    engine = sa.create_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY response ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in synthetic_rows(app, rows, seed, closes_at):
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE response"))
        pages, visible = connection.execute(
            sa.text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'response'")
        ).one()
    engine.dispose()
    if visible < pages:
        print(
            f"WARNING: only {visible} of {pages} pages are all-visible after VACUUM (an old "
            "transaction is open): index-only scans will read the table, figures are pessimistic"
        )
    return time.perf_counter() - started


def timed(client: FlaskClient, path: str, runs: int) -> list[float]:
    for _ in range(2):
        reply = client.get(path)
        assert reply.status_code == 200, (path, reply.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        reply = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200
    return times


def describe(name: str, times: list[float], baseline: float) -> str:
    median = statistics.median(times)
    verdict = "OK" if median < TARGET_MS else "TOO SLOW"
    return (
        f"{name:<26} median {median:7.1f} ms  (min {min(times):6.1f}, max {max(times):6.1f}; "
        f"{median / baseline:5.0f}× /healthz)  target < {TARGET_MS:.0f} ms: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=20211025)
    parser.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN)")
    args = parser.parse_args()
    database, url = fresh_database()
    try:
        migrate.upgrade(url)
        # CSRF off: the benchmark logs in with a bare POST, as the tests do.
        config = {"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
        app = create_app({**config, "DATABASE_URL": url})
        seconds = load(app, url, args.rows, args.seed)
        with app.app_context(), session_scope() as session:
            count = session.scalar(sa.text("SELECT count(*) FROM response"))
            unit_code = session.scalars(
                sa.select(AdminUnit.code)
                .join(RoundUnit, RoundUnit.unit_id == AdminUnit.id)
                .order_by(RoundUnit.target.desc())
            ).first()
        print(
            f"{count:,} responses over {DAYS} days in 25 units, "
            f"loaded in {seconds:.0f} s (COPY + VACUUM ANALYZE)"
        )
        client = app.test_client()
        login = client.post("/staff/login", data={"username": "noivu", "password": PASSWORD})
        assert login.status_code == 302
        baseline = statistics.median(timed(client, "/healthz", args.runs))
        base = f"/staff/rounds/{DEMO_ROUND}/monitoring"
        district = timed(client, f"{base}/", args.runs)
        unit = timed(client, f"{base}/{unit_code}", args.runs)
        print(f"{'baseline /healthz':<26} median {baseline:7.2f} ms")
        print(describe("district view", district, baseline))
        print(describe(f"unit view ({unit_code})", unit, baseline))
        app.extensions["db_engine"].dispose()
        if max(statistics.median(district), statistics.median(unit)) >= TARGET_MS:
            sys.exit(1)
    finally:
        if args.keep:
            print(f"database kept: {database}")
        else:
            drop_database(database)


if __name__ == "__main__":
    main()

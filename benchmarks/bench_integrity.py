"""Exactly once under abuse: submissions with retries, and gunicorn killed with SIGKILL mid-load.

Two commands (each runs SQLite, then PostgreSQL in a fresh schema of ``test`` on 127.0.0.1):

    .venv/bin/python benchmarks/bench_integrity.py load [--submissions 2000] [--clients 20]
    .venv/bin/python benchmarks/bench_integrity.py kill [--submissions 1000] [--kills 3]

Each simulated citizen GETs the form (one signed load) and POSTs the complete questionnaire.
``--retry-share`` of them (20 %) misbehave as phones on a bad network do, picked at random
(seeded): *resend* (the same POST twice in a row), *timeout* (a POST abandoned after 1 ms, then
sent again) or *double tap* (two identical POSTs at once). A POST is acknowledged when its 303
to the receipt arrives; a failed connection is retried with the same body until it is.

``kill``: the whole gunicorn process group is killed with SIGKILL ``--kills`` times during the
load and started again; clients keep retrying. Printed per backend: acknowledged, stored, lost
(acknowledged but not stored: must be 0), doubled (rows beyond one per submission id: must be 0)
and the p50/p99 latency of acknowledged POSTs. The app runs with deploy/gunicorn.conf.py (two
gthread workers) and submission limits raised out of the way: this measures storage, not limits.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_submit import free_port, fresh_database, prepare  # noqa: E402
from tests.factories.demo import FULL_ANSWERS, hidden_fields  # noqa: E402

MODES = ("resend", "timeout", "double")


@dataclass
class Tally:
    acknowledged: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    #: Final answers other than the 303 receipt (status → count): must be empty.
    other: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Server:
    """gunicorn in its own process group, restartable on the same port."""

    def __init__(self, database_url: str, secret_key: str, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / "gunicorn.log"
        self.env = {
            **os.environ,
            "FLASK_SECRET_KEY": secret_key,
            "DATABASE_URL": database_url,
            "BIND": f"127.0.0.1:{self.port}",
            "WORKERS": "2",
            "FLASK_SUBMIT_LIMIT_PER_CLIENT": "10000000 per hour",
            "FLASK_SUBMIT_LIMIT_PER_LINK": "10000000 per hour",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py",
                 "wsgi:app"],
                cwd=REPO, env=self.env, stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.1)
        sys.exit(f"gunicorn did not start; see {self.log}")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def _request(port: int, method: str, path: str, body: str = "", cookie: str = "",
             timeout: float = 30) -> tuple[int, str, str, str]:  # fmt: skip
    """status, Location, Set-Cookie, body text; raises OSError on connection trouble."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Cookie": cookie} if cookie else {}
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body.encode() or None, headers=headers)
        reply = connection.getresponse()
        text = reply.read().decode(errors="replace")
        return (
            reply.status,
            reply.getheader("Location", ""),
            reply.getheader("Set-Cookie", ""),
            text,
        )
    finally:
        connection.close()


def _until_ok(call: object, attempts: int = 200) -> tuple[int, str, str, str]:
    for _ in range(attempts):
        try:
            return call()  # type: ignore[operator, no-any-return]
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)  # server down (kill run) or a timeout: try again, same request
    raise RuntimeError("server unreachable")


def citizen(port: int, token: str, page: str, mode: str | None, tally: Tally) -> None:
    status, _, cookie, html = _until_ok(lambda: _request(port, "GET", f"/s/{token}"))
    assert status == 200, status
    fields = dict(hidden_fields(html))
    body = urllib.parse.urlencode(
        {**FULL_ANSWERS, **fields, "page": page, "action": "submit"}, doseq=True
    )
    cookie = cookie.split(";")[0]
    post = lambda: _request(port, "POST", f"/s/{token}", body, cookie)  # noqa: E731
    if mode == "resend":
        _until_ok(post)
    elif mode == "timeout":
        with contextlib.suppress(OSError, http.client.HTTPException):
            _request(port, "POST", f"/s/{token}", body, cookie, timeout=0.001)
    elif mode == "double":
        twin = threading.Thread(target=lambda: _until_ok(post))
        twin.start()
    started = time.perf_counter()
    status, location, _, _ = _until_ok(post)
    elapsed = time.perf_counter() - started
    if mode == "double":
        twin.join()
    with tally.lock:
        if status == 303:
            tally.acknowledged.add(location.rsplit("/r/", 1)[1].split("?")[0])
            tally.latencies.append(elapsed)
        else:
            tally.other[status] = tally.other.get(status, 0) + 1


def run(backend: str, args: argparse.Namespace, kills: int) -> str:
    rng = random.Random(11)
    secret_key = secrets.token_hex(32)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        token, page = prepare(url, secret_key)
        server = Server(url, secret_key, Path(tmp))
        server.start()
        tally = Tally()
        plan = [
            rng.choice(MODES) if rng.random() < args.retry_share else None
            for _ in range(args.submissions)
        ]
        queue = iter(plan)
        queue_lock = threading.Lock()

        def worker() -> None:
            while True:
                with queue_lock:
                    mode = next(queue, "done")
                if mode == "done":
                    return
                citizen(server.port, token, page, mode, tally)

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for number in range(kills):
            # Spread the kills over the load: wait for the next share of acknowledgements.
            goal = (number + 1) * args.submissions // (kills + 1)
            while len(tally.acknowledged) < goal:
                time.sleep(0.02)
            server.kill()
            server.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        server.stop()
        failures = server.log.read_text(errors="replace").count("Unhandled exception")
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT submission_id FROM response")).scalars()
            stored_rows = list(rows)
        engine.dispose()
    stored = set(stored_rows)
    lost = len(tally.acknowledged - stored)
    doubled = len(stored_rows) - len(stored)
    quantiles = statistics.quantiles(tally.latencies, n=100)
    return (
        f"{backend:10} kills={kills} acknowledged={len(tally.acknowledged)} "
        f"stored={len(stored_rows)} lost={lost} doubled={doubled} other={tally.other} "
        f"500s_logged={failures} "
        f"p50={quantiles[49] * 1000:.0f}ms p99={quantiles[98] * 1000:.0f}ms "
        f"({args.submissions} citizens, {args.retry_share:.0%} retrying, {seconds:.0f}s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", choices=("load", "kill"))
    parser.add_argument("--submissions", type=int, default=None)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--retry-share", type=float, default=0.2)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    if args.submissions is None:
        args.submissions = 2000 if args.run == "load" else 1000
    kills = args.kills if args.run == "kill" else 0
    for backend in args.backends.split(","):
        print(run(backend, args, kills), flush=True)


if __name__ == "__main__":
    main()

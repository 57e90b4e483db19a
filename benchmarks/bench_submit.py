"""Form submissions per second through gunicorn, against a bare endpoint on the same server.

One command: ``.venv/bin/python benchmarks/bench_submit.py [--seconds 10] [--connections 16]``.

For each backend (SQLite file with WAL + synchronous=FULL; PostgreSQL in a fresh schema of
database ``test`` on 127.0.0.1:5432) this starts ``gunicorn wsgi:app`` with 2 workers on a loopback
port, loads the demo round, then drives it with ``wrk`` on loopback:

* bare: ``GET /healthz`` (no database, no session);
* submit: the final-page POST of a complete questionnaire, CSRF on as in production (session
  cookie and token from one GET, reused by every POST), each POST with a new submission id;
  every answer is a 303 to the receipt.

wrk (C, event loop) rather than a Python generator: on a 2-core machine the load generator shares
the CPUs with the server, and a Python client would eat far more of them on the bare endpoint
than on the slow one, flattering the ratio. wrk's Lua hooks give what the check needs: a unique
id per request and the id back from each 303's ``Location``.

Worker class: sync. Both classes were measured (README.md): the submit path is CPU-bound in
Python, so gthread's extra threads cannot run it in parallel under the GIL, and on SQLite they
only queue more writers on the single write lock, whose busy handler sleeps and retries, so the
submit rate was no better and p99 latency rose from ~50-100 ms to 0.2-1.8 s. Two sync workers
give two writers, the best durable rate and steady latency. (gthread keeps connections alive,
which flatters the bare endpoint only.) In production, sync workers need a buffering proxy
(nginx) in front for slow phone connections, as gunicorn's documentation says.

Nothing lost, nothing doubled: every id wrk sent is written out; ids whose 303 arrived before
wrk's clock ran out must be stored; requests still in flight at the cutoff are re-posted with the
same id, as a phone on a flaky network would, and must answer 303 without a second row. The
check is then exact: stored rows == distinct ids answered 303, and the two sets are equal.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from survey_app import create_app, migrate  # noqa: E402
from tests.factories.demo import FULL_ANSWERS, demo_link, hidden_fields, last_page  # noqa: E402

POSTGRES_URL = os.environ.get(
    "SURVEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TARGET_RATIO = 0.5

SUBMIT_LUA = string.Template(r"""-- bench_submit.py: POST a full questionnaire, a new id each time.
local prefix, mid_a, mid_b = "$prefix", "$mid_a", "$mid_b"
local body_head = [==[$body_head]==]
local body_tail = [==[$body_tail]==]
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  counter, sent, ok, other = 0, {}, {}, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "$cookie"
end

function request()
  counter = counter + 1
  -- uuid4-shaped (version 4, variant 8): random per run, then thread and counter, so ids are
  -- unique by construction rather than by luck.
  local sid = string.format("%s-%04x-4%s-8%s-%012x", prefix, tid, mid_a, mid_b, counter)
  sent[#sent + 1] = sid
  return wrk.format(nil, nil, nil, body_head .. sid .. body_tail)
end

function response(status, headers, body)
  if status == 303 then
    ok[#ok + 1] = string.match(headers["Location"] or "", "/r/([%x-]+)") or "?"
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local f_sent, f_ok = io.open("$sent_path", "a"), io.open("$ok_path", "a")
  local n_ok, n_other = 0, 0
  for _, t in ipairs(threads) do
    for _, sid in ipairs(t:get("sent")) do f_sent:write(sid, "\n") end
    for _, sid in ipairs(t:get("ok")) do f_ok:write(sid, "\n"); n_ok = n_ok + 1 end
    n_other = n_other + t:get("other")
  end
  f_sent:close(); f_ok:close()
  $report
end
""")

BARE_LUA = string.Template(r"""-- bench_submit.py: no per-request Lua, only the summary.
function done(summary, latency, requests)
  local n_ok = summary.requests - summary.errors.status
  local n_other = summary.errors.status
  $report
end
""")

REPORT_LUA = (
    'io.write(string.format("BENCH {\\"ok\\": %d, \\"other\\": %d, \\"duration_us\\": %d, '
    '\\"socket_errors\\": %d, \\"timeouts\\": %d, \\"p50_ms\\": %.2f, \\"p99_ms\\": %.2f}\\n", '
    "n_ok, n_other, summary.duration, summary.errors.connect + summary.errors.read + "
    "summary.errors.write, summary.errors.timeout, latency:percentile(50) / 1000, "
    "latency:percentile(99) / 1000))"
)


@dataclass(frozen=True)
class WrkResult:
    ok: int
    other: int
    duration_us: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.ok / (self.duration_us / 1e6)


@dataclass(frozen=True)
class BackendResult:
    backend: str
    bare: WrkResult
    submit: WrkResult
    stored: int
    answered: int
    retried: int
    consistent: bool

    @property
    def ratio(self) -> float:
        return self.submit.rate / self.bare.rate


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        sys.exit(
            f"PostgreSQL not reachable at {POSTGRES_URL} ({error.orig}); start it or use "
            "--backends sqlite"
        )
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare(database_url: str, secret_key: str) -> tuple[str, str]:
    """Migrate, load the demo round; a commune's token and the questionnaire's last page."""
    migrate.upgrade(database_url)
    app = create_app({"SECRET_KEY": secret_key, "DATABASE_URL": database_url})
    token = demo_link(app).token
    app.extensions["db_engine"].dispose()
    return token, last_page(app)


@contextlib.contextmanager
def gunicorn(
    database_url: str, secret_key: str, worker_class: str, threads: int, workdir: Path
) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**os.environ, "FLASK_SECRET_KEY": secret_key, "DATABASE_URL": database_url}
    log = workdir / "gunicorn.log"
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers", "2",
        "--worker-class", worker_class,
        # gunicorn turns "sync" with threads > 1 into gthread: say threads only for gthread.
        *(["--threads", str(threads)] if worker_class == "gthread" else []),
        "--bind", f"127.0.0.1:{port}",
        "--error-logfile", str(log),
        "--log-level", "warning",
        "wsgi:app",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start; see {log}:\n{log.read_text()}")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass(frozen=True)
class FormSession:
    cookie: str
    fields: dict[str, str]


def open_form(host: str, port: int, token: str) -> FormSession:
    """One GET, as a phone would: the session cookie, CSRF token and hidden fields."""
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("GET", f"/s/{token}")
    reply = connection.getresponse()
    html = reply.read().decode()
    if reply.status != 200:
        sys.exit(f"GET /s/<token> answered {reply.status}:\n{html[:500]}")
    # Flask-Login also sends an expired remember_token: keep only cookies that are set.
    pairs = [header.split(";", 1)[0] for header in reply.headers.get_all("Set-Cookie") or []]
    cookie = "; ".join(pair for pair in pairs if not pair.endswith("="))
    if "session=" not in cookie:
        sys.exit("the form page set no session cookie: CSRF cannot work")
    return FormSession(cookie, dict(hidden_fields(html)))


def submit_body(form: FormSession, page: str, submission_id: str) -> str:
    data = {**form.fields, **FULL_ANSWERS, "page": page, "action": "submit"}
    data["submission_id"] = submission_id
    return urllib.parse.urlencode(data)


def run_wrk(url: str, script: Path, seconds: int, connections: int, wrk_threads: int) -> WrkResult:
    command = [
        "wrk", "-t", str(wrk_threads), "-c", str(connections), "-d", f"{seconds}s",
        "--timeout", "30s", "-s", str(script), url,
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    for line in finished.stdout.splitlines():
        if line.startswith("BENCH "):
            return WrkResult(**json.loads(line.removeprefix("BENCH ")))
    sys.exit(f"wrk printed no summary:\n{finished.stdout}\n{finished.stderr}")


def write_submit_script(workdir: Path, form: FormSession, page: str) -> Path:
    marker = "SUBMISSIONID"
    head, tail = submit_body(form, page, marker).split(marker)
    run = secrets.token_hex(7)
    script = workdir / f"submit_{run}.lua"
    script.write_text(
        SUBMIT_LUA.substitute(
            prefix=run[:8],
            mid_a=run[8:11],
            mid_b=run[11:14],
            body_head=head,
            body_tail=tail,
            cookie=form.cookie,
            sent_path=workdir / "sent.txt",
            ok_path=workdir / "ok.txt",
            report=REPORT_LUA,
        )
    )
    return script


def repost(host: str, port: int, token: str, form: FormSession, page: str, sid: str) -> str:
    """Re-post an id whose answer the load generator never read; returns the receipt id."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": form.cookie}
    connection.request("POST", f"/s/{token}", submit_body(form, page, sid), headers)
    reply = connection.getresponse()
    reply.read()
    location = reply.getheader("Location") or ""
    if reply.status != 303:
        sys.exit(f"re-posting {sid} answered {reply.status}, not 303")
    return location.split("/r/", 1)[1].split("?", 1)[0]


def stored_ids(database_url: str) -> list[str]:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        ids = list(connection.scalars(sa.text("SELECT submission_id FROM response")))
    engine.dispose()
    return ids


def bench_backend(backend: str, args: argparse.Namespace) -> BackendResult:
    with tempfile.TemporaryDirectory(prefix=f"bench_{backend}_") as tmp:
        workdir = Path(tmp)
        secret_key = secrets.token_hex(32)
        with fresh_database(backend, workdir) as database_url:
            token, page = prepare(database_url, secret_key)
            server = gunicorn(database_url, secret_key, args.worker_class, args.threads, workdir)
            with server as (host, port):
                form = open_form(host, port, token)
                base = f"http://{host}:{port}"
                bare_lua = workdir / "bare.lua"
                bare_lua.write_text(BARE_LUA.substitute(report=REPORT_LUA))
                run = [args.connections, args.wrk_threads]
                # Warm-up: worker imports, template compilation, connection pools.
                run_wrk(f"{base}/healthz", bare_lua, 1, *run)
                run_wrk(f"{base}/s/{token}", write_submit_script(workdir, form, page), 1, *run)
                bare = run_wrk(f"{base}/healthz", bare_lua, args.seconds, *run)
                submit_lua = write_submit_script(workdir, form, page)
                submit = run_wrk(f"{base}/s/{token}", submit_lua, args.seconds, *run)

                sent = (workdir / "sent.txt").read_text().split()
                answered = (workdir / "ok.txt").read_text().split()
                cut_off = set(sent) - set(answered)
                retried = [repost(host, port, token, form, page, sid) for sid in sorted(cut_off)]
            rows = stored_ids(database_url)
    receipts = answered + retried
    consistent = (
        bare.other == 0
        and submit.other == 0
        and len(set(sent)) == len(sent)
        and retried == sorted(cut_off)
        and len(receipts) == len(set(receipts))
        and len(rows) == len(receipts)
        and set(rows) == set(receipts)
    )
    return BackendResult(backend, bare, submit, len(rows), len(answered), len(retried), consistent)


def busy_cpus(seconds: float = 1.0) -> float:
    """CPUs' worth of work other processes are doing now (from /proc/stat): noise to report."""

    def ticks() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return sum(values), values[3] + values[4]  # all, idle + iowait

    total_0, idle_0 = ticks()
    time.sleep(seconds)
    total_1, idle_1 = ticks()
    return (os.cpu_count() or 1) * (1 - (idle_1 - idle_0) / max(total_1 - total_0, 1))


def describe(result: BackendResult) -> str:
    check = "OK" if result.consistent else "MISMATCH"
    target = "meets" if result.ratio >= TARGET_RATIO else "BELOW"
    return (
        f"{result.backend:<10} bare {result.bare.rate:8.0f} req/s (p99 {result.bare.p99_ms:.1f} "
        f"ms)  submit {result.submit.rate:7.0f} req/s (p99 {result.submit.p99_ms:.1f} ms)  "
        f"ratio {result.ratio:.2f} ({target} target {TARGET_RATIO})\n"
        f"{'':<10} rows stored {result.stored} = 303 answers {result.answered + result.retried} "
        f"({result.answered} during runs + {result.retried} re-posted after the cutoff): "
        f"{check}; non-303 answers {result.submit.other}, socket errors "
        f"{result.bare.socket_errors + result.submit.socket_errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--worker-class",
        default="sync",
        choices=("sync", "gthread"),
        help="sync (default): see 'Worker class' in the module docstring",
    )
    parser.add_argument("--threads", type=int, default=4, help="per worker, gthread only")
    parser.add_argument("--wrk-threads", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    print(
        f"gunicorn 2 workers, {args.worker_class}"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f"; wrk {args.wrk_threads} threads, {args.connections} connections, "
        f"{args.seconds:g} s per endpoint; {os.cpu_count()} CPUs shared with wrk",
        flush=True,
    )
    busy = busy_cpus()
    if busy > 0.2:
        print(f"WARNING: other processes keep {busy:.1f} CPUs busy: figures will be low and noisy")
    results = []
    for backend in args.backends.split(","):
        results.append(bench_backend(backend, args))
        print(describe(results[-1]), flush=True)
    if not all(result.consistent for result in results):
        sys.exit("stored rows do not match the 303 answers")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Command two: set up and run every check and test (lint, types, migrations drift, nginx -t on
# deploy/, pytest on SQLite and PostgreSQL, the headless-Chromium end-to-end test).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

# Browser tests use Debian's Chromium, never a browser downloaded by a test tool.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: sudo apt-get install chromium" >&2; exit 1
  fi
fi

# PostgreSQL and Redis are part of the suite, not optional: start them if they are down.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
# The nginx site in deploy/ is checked with Debian's nginx (`nginx -t`).
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
  else
    echo "nginx is missing: sudo apt-get install nginx" >&2; exit 1
  fi
fi
./deploy/check-nginx.sh

export SURVEY_TEST_POSTGRES_URL=${SURVEY_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
export SURVEY_TEST_REDIS_URL=${SURVEY_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"

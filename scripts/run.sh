#!/usr/bin/env bash
# Command one: set up and start the service on SQLite with the Hương Sơn demo round.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
.venv/bin/python -m survey_app.instance_setup
.venv/bin/flask --app survey_app setup-demo
export BIND=${BIND:-127.0.0.1:8000}
echo "Serving on http://$BIND (Ctrl-C to stop)"
# gthread workers (slow bodies hold a thread, not the server), no access log (it would tie
# addresses to receipt ids): deploy/gunicorn.conf.py. One process unless rate limits are in
# Redis (FLASK_RATELIMIT_STORAGE_URI), so that in-memory counters are not split.
exec .venv/bin/gunicorn -c deploy/gunicorn.conf.py wsgi:app

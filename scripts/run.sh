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
BIND=${BIND:-127.0.0.1:8000}
echo "Serving on http://$BIND (Ctrl-C to stop)"
exec .venv/bin/gunicorn --workers "${WORKERS:-2}" --bind "$BIND" --access-logfile - wsgi:app

"""gunicorn settings used by scripts/run.sh and deploy/systemd/par-survey@.service.

Slow clients: gthread workers hand each connection to a thread only once data arrives, and a
slow upload holds one thread, not the worker, so two slow bodies no longer block every other
citizen (the sync workers did). Behind deploy/nginx, nginx buffers whole requests first and
the app never sees a slow client at all.

Privacy: no access log. gunicorn's access line would hold the client address, the user agent
and the path, and receipt paths carry the submission id: together they tie a phone to its
answers, which the database itself never stores. Errors still go to the error log, with the
request id shown to the user (survey_app.errors).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# gthread by default (scripts/run.sh faces clients directly). Behind deploy/nginx, which buffers
# whole requests, sync workers are as safe and keep p99 lower on SQLite (benchmarks/README.md):
# the systemd unit sets WORKER_CLASS=sync.
worker_class = os.environ.get("WORKER_CLASS", "gthread")
# One process by default: rate-limit counters in memory:// are per process. With Redis
# (FLASK_RATELIMIT_STORAGE_URI=redis://...) raise WORKERS to the number of cores.
workers = int(os.environ.get("WORKERS", "1"))
threads = int(os.environ.get("THREADS", "8"))
# A worker that stops answering its master for this long is restarted.
timeout = int(os.environ.get("TIMEOUT", "30"))
graceful_timeout = 30
# Idle keep-alive connections are closed quickly so they do not hold threads.
keepalive = 5
# Request line and headers bounded well below gunicorn's defaults; bodies are bounded by the
# app (MAX_CONTENT_LENGTH, 64 KB: 413).
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
accesslog = None
errorlog = "-"
loglevel = "info"
# Honour X-Forwarded-* only from the local proxy; the app's ProxyFix (TRUSTED_PROXIES) decides
# what the client address is.
forwarded_allow_ips = "127.0.0.1"

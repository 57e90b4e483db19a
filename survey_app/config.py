"""Configuration: every key the service reads, with its default and why.

Load order (later wins): ``DEFAULTS`` → ``instance/config.py`` → ``FLASK_*`` environment
variables (``FLASK_SECRET_KEY=...``; values are parsed as JSON where possible) → plain
``DATABASE_URL`` (the name every PaaS and Compose file uses) → ``test_config``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

#: Shipped so that ``flask run --debug`` works out of the box; refused in production.
DEFAULT_SECRET_KEY: Final = "dev-only-insecure-secret-key"

REPO_ROOT: Final = Path(__file__).resolve().parent.parent

DEFAULTS: Final[dict[str, Any]] = {
    # Signs sessions and CSRF tokens. Outside debug/testing: at least 32 bytes, not the default.
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    # Signs the per-commune survey links. Defaults to a key derived from SECRET_KEY, but can be
    # pinned separately so that rotating the session key does not invalidate printed QR posters.
    "LINK_SECRET": None,
    # Keys the HMAC of dossier codes; rotating it makes old dossier hashes unmatchable.
    "DOSSIER_HASH_KEY": None,
    # SQLAlchemy URL; None means SQLite in the instance folder.
    "DATABASE_URL": None,
    # Where the questionnaire definitions live (one folder per form, one file per version).
    "QUESTIONNAIRES_DIR": str(REPO_ROOT / "questionnaires"),
    # The address printed on QR codes and posters: what a citizen's phone will open.
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    # A survey page is a few KB; anything far larger is abuse or a broken client (answered 413).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Citizens may take a while at the counter; a CSRF token must outlive a slow form.
    "WTF_CSRF_TIME_LIMIT": 6 * 3600,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # True behind HTTPS in production (set FLASK_SESSION_COOKIE_SECURE=true).
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    # Flask-Limiter storage: memory for one process, redis://127.0.0.1:6379 when scaled out.
    "RATELIMIT_STORAGE_URI": "memory://",
    # Failed staff logins allowed per (account, client address) and per client address, in
    # widening windows (staff.throttling); successful logins are not counted.
    "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "5 per minute;10 per hour;20 per day",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per minute;100 per hour;300 per day",
    # How many proxies in front set X-Forwarded-For/-Proto (1 behind deploy/nginx). 0 trusts no
    # such header: a client could otherwise pick its own address and dodge every limit.
    "TRUSTED_PROXIES": 0,
    # Keys the signed form loads (collection.form_tokens); derived from SECRET_KEY when unset.
    "FORM_TOKEN_KEY": None,
    # A loaded questionnaire can be submitted for this long; later the citizen is asked to open
    # the link again (one day: a citizen may start at the counter and finish at home).
    "FORM_LOAD_MAX_AGE_SECONDS": 24 * 3600,
    # Stored responses per client address and per commune link (Flask-Limiter syntax). A
    # commune office's NAT must let every citizen of a busy day through (>= 100 an hour); a
    # script replaying form loads from one address is stopped there.
    "SUBMIT_LIMIT_PER_CLIENT": "150 per hour;600 per day",
    "SUBMIT_LIMIT_PER_LINK": "300 per hour;1500 per day",
    # Kiosk mode (a shared tablet at the counter): seconds the receipt stays before a fresh
    # questionnaire opens for the next citizen (collection/kiosk.py).
    "KIOSK_RETURN_SECONDS": 20,
    # Kiosk mode: a questionnaire left untouched this long is about to be wiped for the next
    # citizen; the warning gives KIOSK_IDLE_WARNING_SECONDS more to carry on (WCAG 2.2.1).
    "KIOSK_IDLE_SECONDS": 180,
    "KIOSK_IDLE_WARNING_SECONDS": 30,
    # Flask-Compress: brotli, else gzip, for whichever the browser accepts (Chromium offers
    # brotli only over HTTPS). COMPRESS_REGISTER=False turns it off (the benchmark's baseline).
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Streamed responses are left alone: Flask-Compress does not close a streamed file (a
    # leaked handle per static file), and the citizen's files are served from memory anyway.
    "COMPRESS_STREAMS": False,
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_MIMETYPES": [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    ],
    # Durations outside this range are stored as unknown rather than trusted.
    "MAX_PLAUSIBLE_DURATION_SECONDS": 24 * 3600,
    # Monitoring flags a response answered faster than this as "too fast" (counted when the
    # dashboard is shown, from duration_seconds: changing it re-classifies every response).
    "QUALITY_MIN_SECONDS": 60,
    # Calendar days (responses per day, pace, projected completion) are counted in this zone;
    # a response's day is fixed when it is stored.
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    # Results resting on fewer respondents are flagged or suppressed (DESIGN.md: small cells).
    "RESULTS_MIN_N": 30,
    # "flag" shows small-sample estimates marked; "suppress" hides them (pages and exports).
    "RESULTS_SMALL_N_POLICY": "flag",
    # Default weighting after N_h/n_h: adjustment "none" | "poststratify" | "rake", optional
    # trim_lower/trim_upper (multiples of the mean weight), min_cell (pool sparser cells).
    "RESULTS_WEIGHTING": {"adjustment": "rake", "min_cell": 5},
    # Per-round overrides of RESULTS_WEIGHTING, keyed by round code.
    "RESULTS_ROUND_WEIGHTING": {},
    # pyreadstat writes a .sav from an in-memory table, so SPSS exports are capped.
    "EXPORT_SAV_MAX_ROWS": 500_000,
    # E-mail reminders of the PAR calendar (flask send-par-reminders, or the calendar page).
    # Off unless MAIL_SERVER is set: many district offices have no SMTP relay.
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    # STARTTLS before logging in; set false only for a relay on a trusted local network.
    "MAIL_USE_TLS": True,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "khaosat-cchc@localhost",
    # Who receives the reminder digest (Phòng Nội vụ's mailbox, the council's secretary...).
    "PAR_REMINDER_RECIPIENTS": [],
    # A step due within this many days is listed as coming up, besides the overdue ones.
    "PAR_REMINDER_DAYS": 3,
}

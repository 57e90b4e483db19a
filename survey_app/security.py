"""CSRF, rate limits, derived keys and the keyed hash of dossier codes.

Staff login sessions (Flask-Login) belong to the staff package: ``survey_app.staff.sessions``.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# Counters live in RATELIMIT_STORAGE_URI: memory for one process, Redis when several gunicorn
# workers or hosts must share them.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)


def derived_key(purpose: str) -> bytes:
    """A key per purpose: the configured one, else an HMAC of SECRET_KEY with the purpose.

    Domain separation means a leaked link signature says nothing about the dossier key.
    """
    configured = current_app.config.get(purpose)
    if configured:
        return str(configured).encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def normalise_dossier_code(code: str) -> str:
    """Codes are typed by hand: ignore case, spaces and Unicode composition differences."""
    folded = unicodedata.normalize("NFKC", code).upper()
    return "".join(ch for ch in folded if not ch.isspace())


def dossier_hash(code: str) -> str:
    """HMAC-SHA256 of the normalised dossier code; the code itself is never stored."""
    key = derived_key("DOSSIER_HASH_KEY")
    return hmac.new(key, normalise_dossier_code(code).encode(), hashlib.sha256).hexdigest()

"""CSRF, login sessions, rate limits, derived keys and the keyed hash of dossier codes."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
# Counters live in RATELIMIT_STORAGE_URI: memory for one process, Redis when several gunicorn
# workers or hosts must share them.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    # Flask-Login's own context processor loads the user for every template, citizen pages
    # included; with "strong" protection that resets the citizen's session (and its CSRF token).
    # A lazy proxy loads the user only where a staff template actually uses it.
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    # "strong" drops the session if the client's fingerprint changes (a stolen cookie).
    login_manager.session_protection = "strong"
    limiter.init_app(app)

    from survey_app.db import get_session
    from survey_app.models import User

    def load_user(user_id: str) -> User | None:
        user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    login_manager.user_loader(load_user)


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

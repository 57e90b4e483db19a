"""Staff login sessions: Flask-Login's manager and how a session finds its user."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager, current_user

from survey_app.db import get_session
from survey_app.staff import session_versions
from survey_app.staff.models import User

login_manager = LoginManager()


def load_user(user_id: str) -> User | None:
    # ASCII digits of a bounded length: isdigit() accepts "²", and the id must fit an integer.
    number = int(user_id) if user_id.isascii() and user_id.isdigit() and len(user_id) < 10 else 0
    user = get_session().get(User, number) if number else None
    if user is None or not user.active or not session_versions.is_current(user):
        # A cookie from before a logout, password change or disabling: back to the login page.
        return None
    return user


def init_app(app: Flask) -> None:
    # Flask-Login's own context processor loads the user for every template, citizen pages
    # included; with "strong" protection that resets the citizen's session (and its CSRF token).
    # A lazy proxy loads the user only where a staff template actually uses it.
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user})
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    # "strong" drops the session if the client's fingerprint changes (a stolen cookie).
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)

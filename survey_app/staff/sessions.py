"""Staff login sessions: Flask-Login's manager and how a session finds its user."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager, current_user

from survey_app.db import get_session
from survey_app.staff.models import User

login_manager = LoginManager()


def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


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

"""Staff login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.db import get_session
from survey_app.staff import audit, authz, session_versions, throttling
from survey_app.staff.accounts import authenticate
from survey_app.staff.authz import login_required
from survey_app.staff.forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/staff")


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an attacker's ?next=https://evil must not bounce staff away.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("staff.home")


@bp.route("/login", methods=["GET", "POST"])
@throttling.limited
def login() -> str | tuple[str, int] | WerkzeugResponse:
    form = LoginForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("staff/login.html", form=form), 400
        db = get_session()
        user = authenticate(db, form.username.data or "", form.password.data or "")
        if user is None:
            audit.record(db, "login_failed", actor_name=(form.username.data or "")[:64])
            db.commit()
            # One message for unknown user and wrong password: no username enumeration.
            flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
            return render_template("staff/login.html", form=form), 401
        audit.record(db, "login", actor=user)
        db.commit()
        session.clear()
        session.permanent = True
        login_user(user)
        session_versions.bind(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> WerkzeugResponse:
    db = get_session()
    audit.record(db, "logout")
    # Every session of the account ends, not only this cookie: a copy saved elsewhere (a
    # shared computer, a stolen cookie) must not outlive the logout.
    session_versions.end_sessions(authz.user())
    db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))

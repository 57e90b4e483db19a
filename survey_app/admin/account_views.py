"""Staff accounts on the web: create, edit (name, role, unit, active), reset a password.

Administrators only. A new or reset password is shown once, on the page that made it, and
never stored in clear; every change is audited. Disabling an account stops its next request
(the session loader refuses inactive users).
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from survey_app.admin.forms import AccountForm, PasswordForm
from survey_app.db import get_session
from survey_app.staff import audit, authz
from survey_app.staff.accounts import AccountProblem, create_user
from survey_app.staff.models import ROLES, User
from survey_app.staff.navigation import role_label
from survey_app.staff.session_versions import change_password, end_sessions, set_active
from survey_app.units.models import AdminUnit
from survey_app.units.naming import choice_label

bp = Blueprint("accounts", __name__, url_prefix="/staff/admin/users")

Page = str | tuple[str, int] | WerkzeugResponse


def _choices(form: AccountForm) -> None:
    form.role.choices = [SelectChoice(role, role_label(role)) for role in ROLES]
    units = get_session().scalars(
        select(AdminUnit)
        .where(AdminUnit.kind.in_(("xa", "phuong", "thi_tran")))
        # Units still in force first; merged ones stay choosable for past rounds' accounts.
        .order_by(AdminUnit.valid_to.is_not(None), AdminUnit.name)
    )
    form.unit.choices = [SelectChoice("", "— không gắn đơn vị —")] + [
        SelectChoice(unit.code, choice_label(unit)) for unit in units
    ]


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _new_password() -> str:
    # 16 URL-safe characters (96 bits): typed once by the officer, then changed or kept.
    return secrets.token_urlsafe(12)


@bp.route("/new", methods=["GET", "POST"])
@authz.roles_required("admin")
def create() -> Page:
    form = AccountForm()
    _choices(form)
    if form.validate_on_submit():
        session = get_session()
        username = form.username.data.strip().lower()
        taken = session.scalar(select(User.id).where(func.lower(User.username) == username))
        if taken is not None:
            form.username.errors.append("Tên đăng nhập này đã có.")
        else:
            password = _new_password()
            try:
                user = create_user(
                    session,
                    username=username,
                    password=password,
                    role=form.role.data,
                    full_name=form.full_name.data.strip(),
                    unit_code=form.unit.data or None,
                )
            except AccountProblem as problem:
                session.rollback()
                flash(f"Chưa tạo được tài khoản: {problem}", "error")
            else:
                user.active = bool(form.active.data)
                audit.record(
                    session,
                    "user_created",
                    target=user.username,
                    detail={"role": user.role, "unit": form.unit.data or None},
                )
                session.commit()
                return _show_password(user, password, created=True)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/account_form.html", form=form, user=None), status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@authz.roles_required("admin")
def edit(user_id: int) -> Page:
    user = _user_or_404(user_id)
    form = AccountForm(
        data={
            "username": user.username,
            "full_name": user.full_name,
            "role": user.role,
            "unit": user.unit.code if user.unit else "",
            "active": user.active,
        }
    )
    _choices(form)
    form.username.data = user.username
    if form.validate_on_submit():
        session = get_session()
        me = authz.user()
        if user.id == me.id and (form.role.data != "admin" or not form.active.data):
            flash("Không thể tự bỏ quyền quản trị hoặc tự khoá tài khoản của mình.", "error")
        else:
            unit = None
            if form.unit.data:
                unit = session.scalars(
                    select(AdminUnit).where(AdminUnit.code == form.unit.data)
                ).first()
            before = _describe(user)
            user.full_name = form.full_name.data.strip()
            if user.role != form.role.data or user.unit != unit:
                # A changed role or unit changes what the account may see: sign it out.
                end_sessions(user)
            user.role = form.role.data
            user.unit = unit
            set_active(session, user, bool(form.active.data))  # disabling ends its sessions
            after = _describe(user)
            changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
            if changed:
                audit.record(session, "user_updated", target=user.username, detail=changed)
            session.commit()
            flash("Đã lưu tài khoản." if changed else "Không có thay đổi nào.", "info")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return (
        render_template("admin/account_form.html", form=form, user=user, password=PasswordForm()),
        status,
    )


def _describe(user: User) -> dict[str, str]:
    return {
        "full_name": user.full_name,
        "role": user.role,
        "unit": user.unit.code if user.unit else "",
        "active": "có" if user.active else "không",
    }


@bp.post("/<int:user_id>/password")
@authz.roles_required("admin")
def reset_password(user_id: int) -> Page:
    user = _user_or_404(user_id)
    form = PasswordForm()
    if not form.validate():
        flash(" ".join(form.password.errors), "error")
        return redirect(url_for(".edit", user_id=user.id))
    password = form.password.data or _new_password()
    session = get_session()
    change_password(session, user, password)  # ends every session opened with the old one
    audit.record(session, "password_reset", target=user.username)
    session.commit()
    return _show_password(user, password, created=False)


def _show_password(user: User, password: str, *, created: bool) -> Page:
    response = make_response(
        render_template(
            "admin/account_password.html", user=user, password=password, created=created
        )
    )
    # The page holds a password: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response

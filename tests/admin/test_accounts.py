"""Staff accounts from the web: create with a one-time password, edit, disable, reset."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from survey_app.db import session_scope
from survey_app.staff.models import AuditEvent, User
from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client, login

USERS = "/staff/admin/users"


def _password(html: str) -> str:
    found = re.search(r'<p class="receipt"><code>([^<]+)</code>', html)
    assert found is not None, html
    return found.group(1)


def _user_id(app: Flask, username: str) -> int:
    with app.app_context(), session_scope() as session:
        found = session.scalar(sa.select(User.id).where(User.username == username))
        assert found is not None
        return int(found)


def test_admin_creates_a_commune_officer_who_can_log_in(app: Flask) -> None:
    demo_link(app)
    admin = logged_in_client(app, "admin")
    reply = admin.post(
        f"{USERS}/new",
        data={
            "username": "can.bo.phochau",
            "full_name": "Nguyễn Văn A",
            "role": "commune_officer",
            "unit": "439-pho-chau",
            "active": "y",
        },
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"] == "no-store"
    password = _password(reply.text)
    assert login(app.test_client(), "can.bo.phochau", password) == 302
    with app.app_context(), session_scope() as session:
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "user_created")
        ).one()
        assert event.target == "can.bo.phochau"
        assert password not in str(event.detail)


def test_form_errors_are_in_vietnamese_and_nothing_is_created(app: Flask) -> None:
    demo_link(app)
    admin = logged_in_client(app, "admin")
    reply = admin.post(
        f"{USERS}/new",
        data={"username": "X Y", "full_name": "", "role": "commune_officer", "unit": ""},
    )
    assert reply.status_code == 422
    assert "Nhập họ tên." in reply.text
    assert "Cán bộ cấp xã phải gắn với một đơn vị." in reply.text
    taken = admin.post(
        f"{USERS}/new",
        data={"username": "admin.district", "full_name": "Ai đó", "role": "analyst", "unit": ""},
    )
    assert "Tên đăng nhập này đã có." in taken.text


def test_disable_rescope_and_reset_password(app: Flask) -> None:
    demo_link(app)
    admin = logged_in_client(app, "admin")
    logged_in_client(app, "analyst", username="phan.tich")
    user_id = _user_id(app, "phan.tich")
    reply = admin.post(
        f"{USERS}/{user_id}",
        data={"full_name": "Phân tích viên", "role": "commune_officer", "unit": "439-son-giang"},
    )
    assert reply.status_code == 302
    with app.app_context(), session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        assert (user.role, user.unit.code if user.unit else None, user.active) == (
            "commune_officer",
            "439-son-giang",
            False,  # the "active" box was left unticked
        )
    from tests.factories.staff import PASSWORD

    assert login(app.test_client(), "phan.tich", PASSWORD) != 302
    reset = admin.post(f"{USERS}/{user_id}/password", data={"password": ""})
    new_password = _password(reset.text)
    assert new_password != PASSWORD
    admin.post(
        f"{USERS}/{user_id}",
        data={
            "full_name": "Phân tích viên",
            "role": "analyst",
            "unit": "",
            "active": "y",
        },
    )
    assert login(app.test_client(), "phan.tich", new_password) == 302


def test_an_admin_cannot_lock_themselves_out(app: Flask) -> None:
    demo_link(app)
    admin = logged_in_client(app, "admin", username="quan.tri")
    own = _user_id(app, "quan.tri")
    reply = admin.post(
        f"{USERS}/{own}",
        data={"full_name": "Quản trị", "role": "analyst", "unit": ""},
        follow_redirects=True,
    )
    assert "Không thể tự bỏ quyền quản trị" in reply.text
    assert admin.get(f"{USERS}/new").status_code == 200  # still an administrator

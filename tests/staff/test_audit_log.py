"""The audit log page: Vietnamese labels, readable details, local times, filters, pages."""

from __future__ import annotations

import ast
import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.config import REPO_ROOT
from survey_app.db import session_scope
from survey_app.staff import audit_log
from survey_app.staff.models import AuditEvent
from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client

AUDIT = "/staff/admin/audit"


def recorded_actions() -> set[str]:
    """Every action code passed to ``audit.record`` in the app's source."""
    codes = set()
    for path in (REPO_ROOT / "survey_app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                codes.add(node.args[1].value)
    return codes


def test_every_recorded_action_has_a_vietnamese_label() -> None:
    codes = recorded_actions()
    assert {"login", "export", "quota_target_changed", "par_score"} <= codes
    assert codes - set(audit_log.ACTION_LABELS) == set()


def add_event(app: Flask, at: dt.datetime, action: str, actor: str, **detail: Any) -> None:
    with app.app_context(), session_scope() as session:
        session.add(
            AuditEvent(
                at=at,
                actor_name=actor,
                action=action,
                target="SIPAS/439-son-giang",
                detail=detail,
                remote_addr="10.0.0.5",
            )
        )


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    demo_link(app)
    client = logged_in_client(app, "admin")
    base = dt.datetime(2021, 10, 1, 20, 30, tzinfo=dt.UTC)  # 02/10 03:30 in Hà Tĩnh
    add_event(
        app,
        base,
        "quota_target_changed",
        "noivu",
        unit={"old": 150, "new": 300},
        **{"field:ho_tich": {"old": 60, "new": 62}},
    )
    add_event(
        app,
        base + dt.timedelta(days=2),
        "request_refused",
        "phantich",
        message="Bộ lọc không hợp lệ: đơn vị 'Sơn Hà' không thuộc đợt",
        format="csv",
    )
    for i in range(60):
        add_event(app, base + dt.timedelta(days=5, minutes=i), "login", "noivu")
    return client


def test_entries_are_vietnamese_readable_and_local(admin: FlaskClient) -> None:
    page = admin.get(f"{AUDIT}?action=quota_target_changed").text
    assert "Sửa chỉ tiêu số phiếu" in page
    assert "02/10/2021 03:30:00" in page  # local time, day first
    assert "Chỉ tiêu đơn vị: 150 → 300" in page
    assert "ô lĩnh vực ho_tich: 60 → 62" in page
    refused = admin.get(f"{AUDIT}?action=request_refused").text
    assert "Nội dung: Bộ lọc không hợp lệ: đơn vị &#39;Sơn Hà&#39; không thuộc đợt" in refused
    for text in (page, refused):
        assert "\\u" not in text
        assert "{&#34;" not in text
        assert "quota_target_changed</td>" not in text
        assert "UTC" not in text


def test_filters_by_person_action_and_dates_with_pages(admin: FlaskClient) -> None:
    first = admin.get(f"{AUDIT}?actor=noivu&action=login").text
    assert "60 mục, trang 1/2" in first
    assert first.count("<td>Đăng nhập</td>") == audit_log.PAGE_SIZE
    assert "Cũ hơn" in first
    second = admin.get(f"{AUDIT}?actor=noivu&action=login&page=2").text
    assert second.count("<td>Đăng nhập</td>") == 10
    assert "Mới hơn" in second
    only_refused = admin.get(f"{AUDIT}?actor=phantich").text
    assert "1 mục" in only_refused
    # Local days: 02/10 holds the target change (03:30 local), not the refusal of 04/10.
    day = admin.get(f"{AUDIT}?from=2021-10-02&to=2021-10-02").text
    assert "Sửa chỉ tiêu số phiếu" in day
    assert "1 mục" in day
    assert "Không có mục nào" in admin.get(f"{AUDIT}?from=2030-01-01").text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=02/10/2021", "«Từ ngày» phải là một ngày"),
        ("to=hôm-nay", "«Đến ngày» phải là một ngày"),
        ("from=2021-10-05&to=2021-10-01", "khoảng ngày bị đảo"),
        ("action=drop_table", "không có hành động"),
        ("page=0", "số trang phải là số nguyên từ 1"),
        ("page=x", "số trang phải là số nguyên từ 1"),
        ("before=12", "tham số không được hỗ trợ: before"),
        ("actor=a&actor=b", "tham số lặp lại: actor"),
    ],
)
def test_bad_filters_are_400_with_a_message(admin: FlaskClient, query: str, message: str) -> None:
    reply = admin.get(f"{AUDIT}?{query}")
    assert reply.status_code == 400
    assert re.sub("&#39;|&#34;", "'", message) in reply.text.replace("&#39;", "'")

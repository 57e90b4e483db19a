"""The staff menu: which pages each role sees (the routes check roles again on the server)."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from survey_app.staff.models import ROLES, User
from survey_app.units.naming import officer_label

ROLE_LABELS = {
    "admin": "Quản trị",
    "district_officer": "Phòng Nội vụ",
    "council_member": "Thành viên Hội đồng thẩm định",
    "chairman": "Chủ tịch",
    "analyst": "Phân tích",
    # "cấp xã" covers xã, phường and thị trấn; a user's own kind comes from user_role_label.
    "commune_officer": "Cán bộ cấp xã",
}

# (endpoint, label, roles)
NAV_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("round_admin.index", "Quản lý đợt", ("admin", "district_officer")),
    ("unit_admin.index", "Đơn vị hành chính", ("admin", "district_officer")),
    ("par_round_admin.create", "Tạo đợt Chỉ số CCHC", ("admin", "district_officer")),
    ("admin.users", "Tài khoản", ("admin",)),
    ("admin.audit_log", "Nhật ký", ("admin",)),
    ("demo_admin.index", "Dữ liệu mẫu", ("admin",)),
    ("par.rounds", "Chỉ số CCHC", ROLES),  # every role; commune officers see their own unit
)


def staff_nav() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, roles in NAV_ITEMS if current_user.role in roles]


# Per-round pages linked from the round list: (endpoint taking round_code, label, roles).
ROUND_LINKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("results.index", "Kết quả", ROLES),  # every role; commune officers see their own unit
    ("exports.index", "Xuất dữ liệu", ROLES),  # every role; routes scope and restrict formats
    ("monitoring.district", "Theo dõi", ROLES),  # every role; commune officers see their own unit
    ("quotas.targets", "Chỉ tiêu", ("admin", "district_officer")),
    ("posters.print_all", "Áp phích QR", ("admin", "district_officer", "commune_officer")),
    ("paper.index", "Phiếu giấy", ("admin", "district_officer", "commune_officer")),
    ("review.index", "Kiểm tra chất lượng", ("admin", "district_officer", "analyst")),
)


def round_links() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label) for endpoint, label, roles in ROUND_LINKS if current_user.role in roles
    ]


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


def user_role_label(user: User) -> str:
    """The role as the user's office says it: "Cán bộ thị trấn" for a thị trấn's officer."""
    if user.role == "commune_officer" and user.unit is not None:
        return officer_label(user.unit.kind)
    return role_label(user.role)


def identity(user: User) -> str:
    """Who is logged in, for the page header: the name, then the role unless the name says it.

    Demo and real accounts are often named after their role ("Phòng Nội vụ Hương Sơn"), and
    "Phòng Nội vụ Hương Sơn (Phòng Nội vụ)" says the same thing twice.
    """
    label = user_role_label(user)
    name = user.full_name.strip()
    if not name:
        return label
    if label.casefold() in name.casefold():
        return name
    return f"{name} ({label})"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["staff_nav"] = staff_nav
    app.jinja_env.globals["role_label"] = role_label
    app.jinja_env.globals["user_role_label"] = user_role_label
    app.jinja_env.globals["identity"] = identity
    app.jinja_env.globals["round_links"] = round_links

"""The demo's staff accounts, one per role, with passwords kept across restarts.

The passwords are generated once and stored in ``instance/demo-passwords.json`` (readable by the
service account only), so that ``scripts/run.sh`` can be started again without changing every
password a tester has written down.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.staff.accounts import create_user, hash_password
from survey_app.staff.models import User

DEMO_STAFF = (
    ("admin", "admin", "Quản trị hệ thống", None),
    ("noivu", "district_officer", "Phòng Nội vụ Hương Sơn", None),
    ("phantich", "analyst", "Chuyên viên phân tích", None),
    ("hoidong", "council_member", "Thành viên Hội đồng thẩm định", None),
    ("chutich", "chairman", "Chủ tịch UBND huyện", None),
    ("xa.songiang", "commune_officer", "Cán bộ xã Sơn Giang", "439-son-giang"),
)

PASSWORDS_FILE = "demo-passwords.json"


def passwords_path() -> Path:
    return Path(current_app.instance_path) / PASSWORDS_FILE


def _stored_passwords(path: Path) -> dict[str, str]:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}


def _store_passwords(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written with mode 0600 from the start: the file holds working credentials.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(passwords, handle, ensure_ascii=False, indent=1)


def ensure_demo_staff(session: Session) -> list[tuple[str, str, str]]:
    """Demo accounts of every role, marked as demo; (username, role, password) for each.

    A password already stored is kept (and set again if the account was recreated); a missing
    one is generated and stored.
    """
    path = passwords_path()
    passwords = _stored_passwords(path)
    accounts = []
    for username, role, full_name, unit_code in DEMO_STAFF:
        password = passwords.get(username) or secrets.token_urlsafe(12)
        passwords[username] = password
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            user = create_user(
                session,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
                unit_code=unit_code,
            )
        elif not user.is_demo:
            # A real account that happens to have a demo name is never touched.
            continue
        else:
            user.password_hash = hash_password(password)
        user.is_demo = True
        accounts.append((username, role, password))
    _store_passwords(path, passwords)
    return accounts

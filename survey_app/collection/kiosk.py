"""Kiosk mode: one tablet at the counter, one citizen after another.

Staff open the unit's kiosk link once on the counter tablet (``/s/<token>?kiosk=<code>``, listed
on the staff posters page; ``rounds/links.kiosk_url``). The signed flag travels with the form as
a hidden field and with the receipt's address. On a kiosk receipt the static script counts
down ``KIOSK_RETURN_SECONDS`` and then opens a fresh questionnaire; a "Ở lại trang này" button
stops the countdown (WCAG 2.2.1: a time limit the user can turn off). Every receipt, kiosk or
not, has the "Bắt đầu phiếu mới" button, which works without JavaScript.

Nothing about the device is stored: the flag only decides where a citizen goes after the
receipt. A flag that does not verify is ignored (the link still works as a normal one).
"""

from __future__ import annotations

import hmac

from survey_app.rounds.links import kiosk_code
from survey_app.rounds.models import SurveyLink


def kiosk_flag(link: SurveyLink, posted: str | None) -> str:
    """The link's kiosk code if ``posted`` is it, else "" (not a kiosk)."""
    if not posted:
        return ""
    expected = kiosk_code(link)
    return expected if hmac.compare_digest(posted.encode(), expected.encode()) else ""

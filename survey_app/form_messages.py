"""WTForms' built-in messages in Vietnamese, for every staff form.

WTForms ships no Vietnamese catalogue and Flask-WTF translates only through Flask-Babel; a form
whose ``Meta`` returns :data:`TRANSLATIONS` shows "Chọn một giá trị trong danh sách." instead
of "Not a valid choice." next to a field. A message missing here falls back to WTForms' own.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

MESSAGES = {
    "This field is required.": "Ô này bắt buộc.",
    "Not a valid choice.": "Chọn một giá trị trong danh sách.",
    "Not a valid choice": "Chọn một giá trị trong danh sách.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' không có trong danh sách.",
    "'%(value)s' are not valid choices for this field.": "'%(value)s' không có trong danh sách.",
    "Invalid choice(s): one or more data inputs could not be coerced.": (
        "Có lựa chọn không hợp lệ."
    ),
    "Not a valid date value.": "Ngày không hợp lệ.",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Not a valid datetime value.": "Ngày giờ không hợp lệ.",
    "Not a valid integer value.": "Hãy nhập một số nguyên.",
    "Not a valid decimal value.": "Hãy nhập một số.",
    "Not a valid float value.": "Hãy nhập một số.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "The CSRF token is missing.": "Phiên làm việc đã hết hạn; tải lại trang và thử lại.",
    "The CSRF token has expired.": "Phiên làm việc đã hết hạn; tải lại trang và thử lại.",
    "The CSRF token is invalid.": "Phiên làm việc không hợp lệ; tải lại trang và thử lại.",
    "The CSRF tokens do not match.": "Phiên làm việc không hợp lệ; tải lại trang và thử lại.",
}


class VietnameseTranslations:
    """The ``gettext``/``ngettext`` pair WTForms asks its form meta for."""

    def gettext(self, string: str) -> str:
        return MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


TRANSLATIONS = VietnameseTranslations()


class VietnameseForm(FlaskForm):
    """A Flask-WTF form (CSRF included) whose built-in messages are Vietnamese."""

    class Meta:
        def get_translations(self, form: Any) -> VietnameseTranslations:
            return TRANSLATIONS

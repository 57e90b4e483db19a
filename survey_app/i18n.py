"""Citizen-facing interface strings, Vietnamese first, English available.

Questionnaire wording lives in the questionnaire files; these are the few words around it.
The citizen chooses the language with ``?lang=en``; it travels in the form, not in a cookie,
so the pages work without JavaScript and without any stored preference.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from survey_app.local_time import format_local

LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"

MESSAGES: Final[dict[str, dict[str, str]]] = {
    "switch_language": {"vi": "English", "en": "Tiếng Việt"},
    "page_of": {"vi": "Trang {page}/{pages}", "en": "Page {page} of {pages}"},
    "next": {"vi": "Tiếp tục", "en": "Next"},
    "back": {"vi": "Quay lại", "en": "Back"},
    "submit": {"vi": "Gửi phiếu", "en": "Submit"},
    "required_mark": {"vi": "(bắt buộc)", "en": "(required)"},
    "fix_errors": {
        "vi": "Vui lòng kiểm tra lại các câu được đánh dấu bên dưới.",
        "en": "Please check the questions marked below.",
    },
    "survey_name": {"vi": "Khảo sát sự hài lòng", "en": "Satisfaction survey"},
    "error_prefix": {"vi": "Lỗi: ", "en": "Error: "},
    "error_summary_title": {"vi": "Cần sửa lại", "en": "There is a problem"},
    "progress_label": {"vi": "Tiến độ trả lời", "en": "Progress"},
    "stale_notice": {
        "vi": "Phiếu đang mở trên thiết bị này đã được gửi trước đó, nên một phiếu mới đã được "
        "mở. Các câu trả lời trước không được hiển thị lại.",
        "en": "The questionnaire open on this device had already been sent, so a new one has "
        "been opened. Earlier answers are not shown again.",
    },
    "dossier_used_field": {
        "vi": "Mã hồ sơ này đã được dùng để đánh giá trong đợt khảo sát này; mỗi hồ sơ chỉ được "
        "đánh giá một lần. Vui lòng kiểm tra lại mã, hoặc xóa mã để tiếp tục.",
        "en": "This dossier code has already been used in this survey round; each dossier can "
        "be rated once. Please check the code, or delete it to continue.",
    },
    "offline_kept": {
        "vi": "Mất kết nối mạng. Các câu trả lời của Ông/Bà vẫn được giữ trên máy này; phiếu sẽ "
        "tự gửi khi có mạng trở lại. Xin đừng đóng trang.",
        "en": "The connection was lost. Your answers are kept on this device and will be sent "
        "by themselves when the connection returns. Please keep this page open.",
    },
    "offline_retrying": {
        "vi": "Đang thử gửi lại…",
        "en": "Trying to send again…",
    },
    "new_questionnaire": {"vi": "Bắt đầu phiếu mới", "en": "Start a new questionnaire"},
    "kiosk_countdown": {
        "vi": "Phiếu mới cho người tiếp theo sẽ tự mở sau {seconds} giây.",
        "en": "A new questionnaire for the next person opens in {seconds} seconds.",
    },
    "kiosk_stay": {"vi": "Ở lại trang này", "en": "Stay on this page"},
    "kiosk_idle": {
        "vi": "Phiếu này chưa có thao tác nào trong một lúc. Sau {seconds} giây, các câu trả lời "
        "sẽ được xóa và một phiếu mới sẽ mở cho người tiếp theo.",
        "en": "Nothing has happened on this questionnaire for a while. In {seconds} seconds its "
        "answers will be cleared and a new one will open for the next person.",
    },
    "kiosk_continue": {"vi": "Tôi vẫn đang trả lời", "en": "I am still answering"},
    "vietnam_time": {"vi": "giờ Việt Nam", "en": "Vietnam time"},
    "thanks_title": {"vi": "Cảm ơn Ông/Bà!", "en": "Thank you!"},
    "thanks_body": {
        "vi": "Phiếu khảo sát của Ông/Bà đã được ghi nhận. Ý kiến của Ông/Bà giúp cải thiện "
        "chất lượng phục vụ của cơ quan hành chính.",
        "en": "Your answers have been recorded. They help the commune improve its service.",
    },
    "receipt_code": {"vi": "Mã phiếu", "en": "Receipt code"},
    "received_at": {"vi": "Thời gian ghi nhận", "en": "Recorded at"},
    "invalid_link_title": {"vi": "Đường dẫn không hợp lệ", "en": "This link is not valid"},
    "invalid_link_body": {
        "vi": "Đường dẫn hoặc mã QR này không còn hiệu lực. Vui lòng quét lại mã QR được dán "
        "tại Bộ phận tiếp nhận và trả kết quả.",
        "en": "This link or QR code is no longer valid. Please scan the QR code posted at the "
        "commune's one-stop office again.",
    },
    "not_open_title": {"vi": "Đợt khảo sát chưa bắt đầu", "en": "The survey has not started"},
    "not_open_body": {
        "vi": "Đợt khảo sát bắt đầu lúc {opens}. Xin cảm ơn Ông/Bà đã quan tâm.",
        "en": "The survey opens at {opens}. Thank you for your interest.",
    },
    "closed_title": {"vi": "Đợt khảo sát đã kết thúc", "en": "The survey has closed"},
    "closed_body": {
        "vi": "Đợt khảo sát đã kết thúc lúc {closes}. Xin cảm ơn Ông/Bà đã quan tâm.",
        "en": "The survey closed at {closes}. Thank you for your interest.",
    },
    "quota_full_title": {"vi": "Đã đủ số phiếu", "en": "Enough answers collected"},
    "quota_full_body": {
        "vi": "{committee} đã nhận đủ số phiếu khảo sát cần thiết. Xin chân thành cảm ơn Ông/Bà.",
        "en": "The {committee} has collected all the answers it needs. Thank you very much.",
    },
    "dossier_used_title": {"vi": "Hồ sơ đã được đánh giá", "en": "Dossier already rated"},
    "dossier_used_body": {
        "vi": "Mã hồ sơ này đã được dùng để trả lời khảo sát trong đợt này. Mỗi hồ sơ chỉ được "
        "đánh giá một lần. Xin cảm ơn Ông/Bà.",
        "en": "This dossier code has already been used in this survey round. Each dossier can "
        "be rated once. Thank you.",
    },
    "bad_request_title": {"vi": "Yêu cầu không hợp lệ", "en": "Invalid request"},
    "bad_request_body": {
        "vi": "Phiếu gửi lên không hợp lệ. Vui lòng mở lại đường dẫn khảo sát và thử lại.",
        "en": "The form sent was not valid. Please open the survey link again and retry.",
    },
    "csrf_body": {
        "vi": "Phiên làm việc đã hết hạn hoặc phiếu không hợp lệ. Vui lòng mở lại đường dẫn "
        "khảo sát và trả lời lại.",
        "en": "Your session expired or the form was not valid. Please open the survey link "
        "again and answer once more.",
    },
    "cookies_needed_body": {
        "vi": "Trình duyệt của Ông/Bà đang chặn cookie, nên phiếu không gửi được (cookie chỉ "
        "dùng để chống giả mạo phiếu, không lưu thông tin cá nhân). Vui lòng cho phép cookie "
        "cho trang này, hoặc mở đường dẫn bằng trình duyệt khác, rồi trả lời lại.",
        "en": "Your browser blocks cookies, so the form cannot be sent (the cookie only protects "
        "against forged forms and holds no personal data). Please allow cookies for this site, "
        "or open the link in another browser, and answer again.",
    },
    "too_large_title": {"vi": "Nội dung quá dài", "en": "Too much data"},
    "too_large_body": {
        "vi": "Nội dung gửi lên quá dài. Vui lòng rút gọn ý kiến và gửi lại.",
        "en": "What was sent is too long. Please shorten your comment and try again.",
    },
    "not_found_title": {"vi": "Không tìm thấy trang", "en": "Page not found"},
    "not_found_body": {
        "vi": "Trang Ông/Bà tìm không tồn tại.",
        "en": "The page you are looking for does not exist.",
    },
    "method_title": {"vi": "Phương thức không được hỗ trợ", "en": "Method not allowed"},
    "server_error_title": {"vi": "Đã có lỗi xảy ra", "en": "Something went wrong"},
    "server_error_body": {
        "vi": "Hệ thống đang gặp sự cố. Phiếu của Ông/Bà chưa được ghi nhận; vui lòng thử lại "
        "sau ít phút.",
        "en": "The service has a problem. Your answers were not recorded; please try again in "
        "a few minutes.",
    },
    "error_reference": {
        "vi": "Nếu cần báo lỗi, xin cho biết mã: {id}.",
        "en": "If you report this, please quote the code {id}.",
    },
    "rate_limited_title": {"vi": "Quá nhiều yêu cầu", "en": "Too many requests"},
    "rate_limited_body": {
        "vi": "Vui lòng đợi một lát rồi thử lại.",
        "en": "Please wait a moment and try again.",
    },
    "poster_heading": {
        "vi": "KHẢO SÁT SỰ HÀI LÒNG CỦA NGƯỜI DÂN",
        "en": "CITIZEN SATISFACTION SURVEY",
    },
    "poster_instructions": {
        "vi": "Ông/Bà vừa hoàn thành thủ tục hành chính? Hãy quét mã QR bằng camera điện "
        "thoại để đánh giá mức độ hài lòng (khoảng 5 phút). Phiếu không ghi tên, thông tin "
        "được giữ bí mật.",
        "en": "Have you just completed an administrative procedure? Scan the QR code with your "
        "phone camera to rate the service (about 5 minutes). Anonymous and confidential.",
    },
    "poster_or_open": {"vi": "Hoặc mở đường dẫn:", "en": "Or open:"},
}


def current_language() -> str:
    """The language asked for in the query string or the form; Vietnamese otherwise."""
    asked = request.args.get("lang")
    if asked is None and request.method == "POST":
        try:
            asked = request.form.get("lang")
        except HTTPException:
            # The body itself was refused (e.g. too large); error pages must still render.
            asked = None
    return asked if asked in LANGUAGES else DEFAULT_LANGUAGE


def translate(key: str, language: str | None = None, /, **values: object) -> str:
    texts = MESSAGES[key]
    text = texts.get(language or current_language(), texts[DEFAULT_LANGUAGE])
    return text.format(**values) if values else text


def init_app(app: Flask) -> None:
    app.jinja_env.globals["t"] = translate
    app.jinja_env.filters["local_time"] = format_local
    app.jinja_env.globals["current_language"] = current_language

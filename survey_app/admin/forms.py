"""Forms of the administration pages (Flask-WTF: CSRF on every POST; messages in Vietnamese).

Dates are typed in the browser's date picker and read as local days (config TIMEZONE); they are
bounded to years 2000–2100 so that no date arithmetic can overflow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.form_messages import VietnameseForm
from survey_app.local_time import service_zone
from survey_app.staff.accounts import MIN_PASSWORD_LENGTH
from survey_app.staff.models import ROLES

FIRST_YEAR, LAST_YEAR = 2000, 2100
CODE_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z"
CODE_MESSAGE = "Mã gồm chữ không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới (tối đa 64 ký tự)."
QUOTA_POLICY_LABELS = {
    "accept_flag": "Vẫn nhận phiếu khi đã đủ chỉ tiêu, đánh dấu “vượt chỉ tiêu”",
    "close": "Cảm ơn người dân và ngừng nhận khi đơn vị hoặc nhóm đã đủ chỉ tiêu",
}
#: Upload limit: a district's units and a year of counts are a few hundred kilobytes at most.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _in_years(_form: Any, field: Any) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(f"Năm phải trong khoảng {FIRST_YEAR}–{LAST_YEAR}.")


def local_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """A local day and time (config TIMEZONE) as an aware UTC timestamp."""
    return dt.datetime.combine(day, time, tzinfo=service_zone()).astimezone(dt.UTC)


def local_parts(moment: dt.datetime) -> tuple[dt.date, dt.time]:
    local = moment.astimezone(service_zone())
    return local.date(), local.time().replace(second=0, microsecond=0)


class CheckboxesField(SelectMultipleField):
    """A list of check boxes (one per unit) instead of a multi-select box, for mouse and touch."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundForm(VietnameseForm):
    code = StringField(
        "Mã đợt",
        validators=[DataRequired("Nhập mã đợt."), Regexp(CODE_PATTERN, message=CODE_MESSAGE)],
    )
    title = StringField(
        "Tên đợt (hiển thị cho người dân)",
        validators=[DataRequired("Nhập tên đợt."), Length(max=200, message="Tối đa 200 ký tự.")],
    )
    questionnaire = SelectField("Bảng hỏi", validators=[DataRequired("Chọn bảng hỏi.")])
    opens_on = DateField("Ngày bắt đầu", validators=[DataRequired("Chọn ngày bắt đầu."), _in_years])
    opens_time = TimeField(
        "Giờ bắt đầu", default=dt.time(7, 0), validators=[DataRequired("Nhập giờ.")]
    )
    closes_on = DateField(
        "Ngày kết thúc", validators=[DataRequired("Chọn ngày kết thúc."), _in_years]
    )
    closes_time = TimeField(
        "Giờ kết thúc", default=dt.time(17, 0), validators=[DataRequired("Nhập giờ.")]
    )
    period_start = DateField(
        "Kỳ số liệu giao dịch: từ ngày", validators=[DataRequired("Chọn ngày."), _in_years]
    )
    period_end = DateField("đến ngày", validators=[DataRequired("Chọn ngày."), _in_years])
    quota_policy = RadioField(
        "Khi đã đủ chỉ tiêu",
        choices=[SelectChoice(value, label) for value, label in QUOTA_POLICY_LABELS.items()],
        default="accept_flag",
        validators=[DataRequired("Chọn cách xử lý.")],
    )
    units = CheckboxesField("Đơn vị tham gia", coerce=int)


NO_SURVEY_LABELS = {
    "rescale": "Quy đổi điểm thẩm định về thang 100 (không tính phần khảo sát)",
    "zero": "Tính 0 điểm phần khảo sát",
    "mean": "Lấy điểm khảo sát trung bình của các đơn vị có kết quả",
}
BAND_LABELS = {
    "tot-kha": "Tốt ≥ 90 %, Khá 80–90 %, Trung bình 65–80 %, Yếu < 65 %",
    "nhom-a-b": "Nhóm A ≥ 90 %, nhóm B 80–90 % (Quyết định 876/QĐ-BNV)",
}


class ParRoundForm(VietnameseForm):
    code = StringField(
        "Mã đợt",
        validators=[DataRequired("Nhập mã đợt."), Regexp(CODE_PATTERN, message=CODE_MESSAGE)],
    )
    title = StringField(
        "Tên đợt",
        validators=[DataRequired("Nhập tên đợt."), Length(max=200, message="Tối đa 200 ký tự.")],
    )
    year = IntegerField(
        "Năm đánh giá",
        validators=[
            DataRequired("Nhập năm."),
            NumberRange(FIRST_YEAR, LAST_YEAR, f"Năm trong khoảng {FIRST_YEAR}–{LAST_YEAR}."),
        ],
    )
    criteria = SelectField("Bộ tiêu chí", validators=[DataRequired("Chọn bộ tiêu chí.")])
    survey_round = SelectField("Đợt khảo sát cho phần sự hài lòng")
    deadline_on = DateField(
        "Hạn nộp hồ sơ tự đánh giá", validators=[DataRequired("Chọn ngày."), _in_years]
    )
    deadline_time = TimeField("Giờ", default=dt.time(17, 0), validators=[DataRequired("Nhập giờ.")])
    no_survey_rule = RadioField(
        "Đơn vị không có kết quả khảo sát",
        choices=[SelectChoice(v, label) for v, label in NO_SURVEY_LABELS.items()],
        default="rescale",
        validators=[DataRequired("Chọn cách tính.")],
    )
    bands = RadioField(
        "Xếp loại",
        choices=[SelectChoice(v, label) for v, label in BAND_LABELS.items()],
        default="tot-kha",
        validators=[DataRequired("Chọn cách xếp loại.")],
    )


class ExtendForm(VietnameseForm):
    closes_on = DateField("Ngày kết thúc mới", validators=[DataRequired("Chọn ngày."), _in_years])
    closes_time = TimeField("Giờ", default=dt.time(17, 0), validators=[DataRequired("Nhập giờ.")])


class ConfirmForm(VietnameseForm):
    """A confirmation or one-click action: only its CSRF token."""


class ClearDemoForm(VietnameseForm):
    understood = BooleanField(
        "Tôi hiểu: dữ liệu mẫu bị xoá vĩnh viễn, không thể hoàn tác",
        validators=[DataRequired("Đánh dấu ô xác nhận trước khi xoá.")],
    )


class UploadForm(VietnameseForm):
    what = RadioField(
        "Loại dữ liệu",
        choices=[
            SelectChoice(
                "units",
                "Đơn vị hành chính (cột: code, name, kind, parent_code, valid_from, valid_to, "
                "predecessors)",
            ),
            SelectChoice(
                "counts",
                "Số hồ sơ giao dịch (unit_code, period_start, period_end, field, transactions)",
            ),
        ],
        default="units",
        validators=[DataRequired("Chọn loại dữ liệu.")],
    )
    file = FileField(
        "Tệp CSV hoặc Excel (.xlsx)",
        validators=[
            FileRequired("Chọn tệp."),
            FileAllowed(["csv", "xlsx"], "Chỉ nhận tệp .csv hoặc .xlsx."),
            FileSize(MAX_UPLOAD_BYTES, message="Tệp quá lớn (tối đa 5 MB)."),
        ],
    )
    illustrative = BooleanField("Số liệu minh hoạ (không phải số liệu thật)")
    source = StringField("Nguồn số liệu", validators=[Length(max=200, message="Tối đa 200 ký tự.")])


class AccountForm(VietnameseForm):
    username = StringField(
        "Tên đăng nhập",
        validators=[
            DataRequired("Nhập tên đăng nhập."),
            Regexp(
                r"\A[a-z0-9][a-z0-9._-]{1,63}\Z",
                message="Chữ thường không dấu, số, dấu chấm, gạch (2–64 ký tự).",
            ),
        ],
    )
    full_name = StringField(
        "Họ và tên",
        validators=[DataRequired("Nhập họ tên."), Length(max=200, message="Tối đa 200 ký tự.")],
    )
    role = SelectField(
        "Vai trò", choices=[SelectChoice(r, r) for r in ROLES], validators=[DataRequired()]
    )
    # No Optional(): it would stop the chain on an empty value before validate_unit runs.
    unit = SelectField("Đơn vị (chỉ với cán bộ cấp xã)")
    active = BooleanField("Đang hoạt động", default=True)

    def validate_unit(self, field: SelectField) -> None:
        if self.role.data == "commune_officer" and not field.data:
            raise ValidationError("Cán bộ cấp xã phải gắn với một đơn vị.")
        if self.role.data != "commune_officer" and field.data:
            raise ValidationError("Chỉ cán bộ cấp xã mới gắn với một đơn vị.")


class PasswordForm(VietnameseForm):
    password = PasswordField(
        "Mật khẩu mới (để trống: hệ thống tạo mật khẩu ngẫu nhiên)",
        validators=[
            Optional(),
            Length(
                min=MIN_PASSWORD_LENGTH, max=256, message=f"Ít nhất {MIN_PASSWORD_LENGTH} ký tự."
            ),
        ],
    )

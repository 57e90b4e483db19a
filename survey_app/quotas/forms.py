"""The targets forms: numbers typed by staff, checked with messages in Vietnamese."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.validators import Optional as OptionalValue
from wtforms.widgets import TextInput

from survey_app.bounds import OutOfBounds, check_target
from survey_app.questionnaires.model import Questionnaire
from survey_app.quotas.cells import cell_label, cell_order
from survey_app.quotas.targets import DEFAULT_FLOORS, CellTarget, TargetsProblem, parse_shares

#: Unit kind → the compute form's field holding its minimum sample.
FLOOR_FIELDS = {"xa": "floor_xa", "phuong": "floor_phuong", "thi_tran": "floor_thi_tran"}


class CountField(IntegerField):
    """A whole number >= 0 typed by staff; empty means no value. Messages in Vietnamese."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            return
        # ASCII digits only, at most 10 (int() also reads "١٥٠" and "1_000").
        if not re.fullmatch(r"-?[0-9]{1,10}", text):
            raise ValueError("Hãy nhập một số nguyên, ví dụ 150.")
        number = int(text)
        if number < 0:
            raise ValueError("Không được nhập số âm.")
        try:
            self.data = check_target(number)
        except OutOfBounds as problem:
            raise ValueError(str(problem)) from None


class MarginField(FloatField):
    """A margin of error strictly between 0 and 1; a decimal comma is accepted (0,05)."""

    # A text box: a number box would refuse the decimal comma Vietnamese users type.
    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = str(valuelist[0]).strip().replace(",", ".") if valuelist else ""
        try:
            value = float(text)
        except ValueError:
            raise ValueError("Hãy nhập một số thập phân, ví dụ 0,05.") from None
        if not 0.0 < value < 1.0:
            raise ValueError("Sai số phải lớn hơn 0 và nhỏ hơn 1, ví dụ 0,05.")
        self.data = value


class ComputeTargetsForm(FlaskForm):
    method = SelectField(
        "Công thức cỡ mẫu",
        choices=[
            SelectChoice("slovin", "Slovin: n = N / (1 + N·e²)"),
            SelectChoice("cochran", "Cochran, hiệu chỉnh quần thể hữu hạn (độ tin cậy 95 %)"),
        ],
        default="slovin",
    )
    e = MarginField("Sai số cho phép e", default=0.05)
    floor_xa = CountField("Tối thiểu mỗi xã", default=DEFAULT_FLOORS["xa"])
    floor_phuong = CountField("Tối thiểu mỗi phường", validators=[OptionalValue()])
    floor_thi_tran = CountField("Tối thiểu mỗi thị trấn", default=DEFAULT_FLOORS["thi_tran"])
    by_field = BooleanField("Chia chỉ tiêu theo lĩnh vực thủ tục", default=True)
    sex_age_shares = TextAreaField(
        "Cơ cấu giới tính × nhóm tuổi (tuỳ chọn; mỗi dòng: giới tính,nhóm tuổi,tỷ trọng)",
        validators=[Length(max=4000, message="Tối đa 4000 ký tự.")],
    )

    def validate_sex_age_shares(self, field: TextAreaField) -> None:
        try:
            parse_shares(field.data or "")
        except TargetsProblem as problem:
            raise ValidationError(str(problem)) from None


def ordered_cells(cells: tuple[CellTarget, ...], questionnaire: Questionnaire) -> list[CellTarget]:
    """Cells by dimension, then in the order of the questionnaire's choices."""
    return sorted(
        cells, key=lambda c: (c.dimension, cell_order(questionnaire, c.dimension, c.cell), c.cell)
    )


def unit_form(cells: list[CellTarget], questionnaire: Questionnaire) -> FlaskForm:
    """A form with the unit's target and one field per existing cell."""

    class UnitTargetsForm(FlaskForm):
        target = CountField(
            "Chỉ tiêu của đơn vị (để trống: không giới hạn)", validators=[OptionalValue()]
        )

    for cell in cells:
        field = CountField(
            cell_label(questionnaire, cell.dimension, cell.cell),
            validators=[InputRequired(message="Hãy nhập chỉ tiêu cho ô này.")],
        )
        setattr(UnitTargetsForm, cell_field(cell), field)
    form: FlaskForm = UnitTargetsForm()
    return form


def cell_field(cell: CellTarget) -> str:
    return f"cell-{cell.dimension}-{cell.cell}"

"""Vietnamese numbers, dates and times (survey_app.formatting), and their Jinja filters."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from flask import Flask, render_template_string

from survey_app import formatting


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1234.5, 1, "1.234,5"),
        (699765, 0, "699.765"),
        (699.765, 1, "699,8"),
        (0.5, 2, "0,50"),
        (-1234567.891, 2, "-1.234.567,89"),
        (None, 1, "—"),
        (math.nan, 1, "—"),
    ],
)
def test_number_groups_with_dots_and_marks_decimals_with_a_comma(
    value: float | None, digits: int, expected: str
) -> None:
    assert formatting.number(value, digits) == expected


def test_integer_percent_and_significant() -> None:
    assert formatting.integer(26632) == "26.632"
    assert formatting.integer(26632.0) == "26.632"
    assert formatting.integer(999) == "999"
    assert formatting.percent(0.853) == "85,3 %"
    assert formatting.percent(0.95, 0) == "95 %"
    # Four significant digits, never an exponent, never an English decimal point.
    assert formatting.significant(1.03421) == "1,034"
    assert formatting.significant(699765.2) == "699.765"
    assert formatting.significant(0.000123456) == "0,0001235"
    assert formatting.significant(3.5) == "3,5"
    assert formatting.significant(0) == "0"


def test_days_and_moments_are_local_and_day_first(app: Flask) -> None:
    with app.app_context():
        assert formatting.day(dt.date(2021, 11, 5)) == "05/11/2021"
        # 20:00 UTC is the next morning in Hà Tĩnh (UTC+7).
        late = dt.datetime(2021, 11, 4, 20, 0, tzinfo=dt.UTC)
        assert formatting.day(late) == "05/11/2021"
        assert formatting.moment(late).startswith("05/11/2021 03:00")
        assert formatting.moment(late, seconds=True) == "05/11/2021 03:00:00"
        assert formatting.moment(None) == "—"


def test_filters_are_registered_for_templates(app: Flask) -> None:
    with app.test_request_context():
        text = render_template_string(
            "{{ 1234.5|number(1) }} {{ 26632|integer }} {{ 0.5|percent }} {{ d|day }}",
            d=dt.date(2021, 10, 30),
        )
    assert text == "1.234,5 26.632 50,0 % 30/10/2021"

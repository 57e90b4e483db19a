"""A unit is named by its own kind: a thị trấn is never called a xã."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from survey_app.units.naming import (
    committee_name,
    full_name,
    kind_label,
    officer_label,
    short_name,
)


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str


TOWN = Unit("Thị trấn Phố Châu", "thi_tran")
COMMUNE = Unit("Xã Sơn Giang", "xa")
WARD = Unit("Bắc Hà", "phuong")  # a name stored without its kind


@pytest.mark.parametrize(
    ("unit", "short", "full", "committee"),
    [
        (TOWN, "Phố Châu", "thị trấn Phố Châu", "UBND thị trấn Phố Châu"),
        (COMMUNE, "Sơn Giang", "xã Sơn Giang", "UBND xã Sơn Giang"),
        (WARD, "Bắc Hà", "phường Bắc Hà", "UBND phường Bắc Hà"),
    ],
)
def test_names_follow_the_units_kind(unit: Unit, short: str, full: str, committee: str) -> None:
    assert short_name(unit) == short
    assert full_name(unit) == full
    assert committee_name(unit) == committee


def test_english_names() -> None:
    assert full_name(TOWN, "en") == "Phố Châu township"
    assert committee_name(COMMUNE, "en") == "People's Committee of Sơn Giang commune"


def test_labels() -> None:
    assert kind_label("thi_tran", capital=True) == "Thị trấn"
    assert kind_label("unknown") == "cấp xã"
    assert officer_label("thi_tran") == "Cán bộ thị trấn"
    assert officer_label("xa") == "Cán bộ xã"

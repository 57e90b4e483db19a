"""How a unit is named in Vietnamese and English: its own kind, never "xã" for a thị trấn.

Unit names are data and usually carry their kind ("Thị trấn Phố Châu"); pages that speak of the
unit's People's Committee, its officers or its self-assessment take the kind from ``unit.kind``
so a thị trấn or a phường is never called a xã.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

KIND_LABELS = {
    "vi": {
        "xa": "xã",
        "phuong": "phường",
        "thi_tran": "thị trấn",
        "huyen": "huyện",
        "tinh": "tỉnh",
    },
    "en": {
        "xa": "commune",
        "phuong": "ward",
        "thi_tran": "township",
        "huyen": "district",
        "tinh": "province",
    },
}

#: What a commune-level unit of unknown kind is called: "cấp xã" covers xã, phường, thị trấn.
COMMUNE_LEVEL = {"vi": "cấp xã", "en": "commune-level unit"}


class NamedUnit(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...


class DatedUnit(NamedUnit, Protocol):
    @property
    def valid_to(self) -> dt.date | None: ...


def choice_label(unit: DatedUnit) -> str:
    """A unit in a staff pick list: "Xã Sơn Quang (xã, hết hiệu lực 01/01/2020)"."""
    ended = f", hết hiệu lực {unit.valid_to:%d/%m/%Y}" if unit.valid_to else ""
    return f"{unit.name} ({kind_label(unit.kind)}{ended})"


def kind_label(kind: str, language: str = "vi", *, capital: bool = False) -> str:
    """ "thị trấn" (or "Thị trấn" with ``capital``); "cấp xã" for an unknown kind."""
    labels = KIND_LABELS.get(language, KIND_LABELS["vi"])
    label = labels.get(kind, COMMUNE_LEVEL.get(language, COMMUNE_LEVEL["vi"]))
    return label[:1].upper() + label[1:] if capital else label


def short_name(unit: NamedUnit) -> str:
    """The name without its kind: "Thị trấn Phố Châu" → "Phố Châu"."""
    prefix = kind_label(unit.kind) + " "
    if unit.name.lower().startswith(prefix):
        return unit.name[len(prefix) :].strip()
    return unit.name


def full_name(unit: NamedUnit, language: str = "vi") -> str:
    """ "thị trấn Phố Châu" / "Phố Châu township"."""
    if language == "en":
        return f"{short_name(unit)} {kind_label(unit.kind, 'en')}"
    return f"{kind_label(unit.kind)} {short_name(unit)}"


def committee_name(unit: NamedUnit, language: str = "vi") -> str:
    """The unit's People's Committee: "UBND thị trấn Phố Châu"."""
    if language == "en":
        return f"People's Committee of {full_name(unit, 'en')}"
    return f"UBND {full_name(unit)}"


def officer_label(kind: str) -> str:
    """A staff member working for a unit of this kind: "Cán bộ thị trấn"."""
    return f"Cán bộ {kind_label(kind)}"

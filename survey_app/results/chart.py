"""Geometry of the ranked-units chart: each unit's index as a dot with its confidence interval.

Computed here and drawn as inline SVG by the template (no JavaScript, no chart library), so
the page works on any browser and prints as it looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from survey_app.formatting import percent
from survey_app.results.estimates import UnitSatisfaction, index_percent

WIDTH = 760
LABEL_WIDTH = 210
VALUE_WIDTH = 90
ROW_HEIGHT = 24
TOP = 28
BOTTOM = 12
TICKS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class ChartRow:
    label: str
    y: float
    x: float | None
    x_low: float | None
    x_high: float | None
    text: str
    small_sample: bool


@dataclass(frozen=True)
class RankedChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    ticks: tuple[tuple[float, str], ...]
    rows: tuple[ChartRow, ...]


def _x(value: float, left: int, right: int) -> float:
    return round(left + min(max(value, 0.0), 1.0) * (right - left), 1)


def ranked_chart(units: Sequence[UnitSatisfaction]) -> RankedChart:
    """Units ranked by index (highest first); suppressed or empty units last, without a dot."""
    left, right = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    ordered = sorted(units, key=lambda u: (u.index is None, -(u.index or 0.0), u.unit_code))
    rows = []
    for position, unit in enumerate(ordered):
        y = TOP + position * ROW_HEIGHT + ROW_HEIGHT / 2
        if unit.index is None:
            text = "ẩn (n nhỏ)" if unit.suppressed else "chưa có"
            rows.append(ChartRow(unit.unit_name, y, None, None, None, text, unit.small_sample))
            continue
        low = unit.ci_low if unit.ci_low is not None else unit.index
        high = unit.ci_high if unit.ci_high is not None else unit.index
        rows.append(
            ChartRow(
                label=unit.unit_name,
                y=y,
                x=_x(unit.index, left, right),
                x_low=_x(low, left, right),
                x_high=_x(high, left, right),
                text=index_percent(unit.index) + (" *" if unit.small_sample else ""),
                small_sample=unit.small_sample,
            )
        )
    ticks = tuple((_x(tick, left, right), percent(tick, 0)) for tick in TICKS)
    return RankedChart(
        width=WIDTH,
        height=TOP + len(rows) * ROW_HEIGHT + BOTTOM,
        plot_left=left,
        plot_right=right,
        ticks=ticks,
        rows=tuple(rows),
    )

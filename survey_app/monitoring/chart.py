"""Geometry of the responses-per-day bar chart, drawn as inline SVG by the template (no JS)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from survey_app.formatting import integer

WIDTH = 760
HEIGHT = 180
LEFT = 44
RIGHT = 8
TOP = 10
BOTTOM = 24
#: At most this many date labels under the bars, so they never overlap.
MAX_LABELS = 8


@dataclass(frozen=True)
class Bar:
    day: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DayChart:
    width: int
    height: int
    left: int
    right: int
    baseline: int
    bars: tuple[Bar, ...]
    #: (y, label) of the horizontal grid lines.
    ticks: tuple[tuple[float, str], ...]
    #: (x, label) of the dates shown under the bars.
    labels: tuple[tuple[float, str], ...]


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1): a readable axis top."""
    if value <= 1:
        return 1
    magnitude = int(10 ** (len(str(value)) - 1))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def day_chart(days: Sequence[tuple[dt.date, int]]) -> DayChart:
    """One bar per day, heights scaled to a rounded maximum, a few evenly spaced date labels."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    top = _nice_ceiling(max((count for _, count in days), default=0))
    slot = plot_width / max(len(days), 1)
    gap = min(2.0, slot / 4)
    bars = tuple(
        Bar(
            day,
            count,
            x=round(LEFT + i * slot + gap / 2, 2),
            y=round(baseline - count / top * plot_height, 2),
            width=round(slot - gap, 2),
            height=round(count / top * plot_height, 2),
        )
        for i, (day, count) in enumerate(days)
    )
    # A middle line only where it falls on a whole number of responses.
    values = (0, top // 2, top) if top % 2 == 0 else (0, top)
    ticks = tuple(
        (round(baseline - value / top * plot_height, 2), integer(value)) for value in values
    )
    every = max(1, math.ceil(len(days) / MAX_LABELS))
    labels = tuple(
        (round(bar.x + bar.width / 2, 2), bar.day.strftime("%d/%m"))
        for i, bar in enumerate(bars)
        if i % every == 0
    )
    return DayChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, baseline, bars, ticks, labels)

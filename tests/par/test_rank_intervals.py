"""Rank intervals on the PAR table: the satisfaction survey's sampling error, carried into the
index with the component's weight, decides which places the data can tell apart."""

from __future__ import annotations

from survey_app.par.satisfaction import SatisfactionFigures
from survey_app.par.table import TableRow, _with_rank_intervals

SATISFACTION_MAX = 30.0


def _row(code: str, index_pct: float, rank: int, se: float | None, rule: str = "") -> TableRow:
    figures = SatisfactionFigures(0.9, se, None, None, 200, False, "") if se is not None else None
    return TableRow(
        unit_code=code,
        unit_name=code,
        status="approved",
        field_points=(),
        appraised=60.0,
        satisfaction=figures,
        max_points=100.0,
        index_pct=index_pct,
        rank=rank,
        rule_applied=rule,
    )


def test_precise_surveys_leave_every_rank_certain() -> None:
    rows = [_row("a", 95.0, 1, 0.001), _row("b", 90.0, 2, 0.001), _row("c", 80.0, 3, 0.001)]
    assert [(r.rank_low, r.rank_high) for r in _with_rank_intervals(rows, SATISFACTION_MAX)] == [
        (1, 1),
        (2, 2),
        (3, 3),
    ]


def test_close_indices_with_sampling_error_share_their_places() -> None:
    # SE 0.03 on a share is 0.9 index points (30 of 100 points): 91.0 and 90.5 overlap,
    # 70.0 stands apart from both.
    rows = [_row("a", 91.0, 1, 0.03), _row("b", 90.5, 2, 0.03), _row("c", 70.0, 3, 0.03)]
    result = {r.unit_code: (r.rank_low, r.rank_high) for r in _with_rank_intervals(rows, 30.0)}
    assert result == {"a": (1, 2), "b": (1, 2), "c": (3, 3)}


def test_a_unit_without_a_survey_has_no_own_error_but_others_can_overlap_it() -> None:
    rows = [_row("a", 91.0, 1, 0.05), _row("b", 90.0, 2, None, rule="rescale")]
    result = {r.unit_code: (r.rank_low, r.rank_high) for r in _with_rank_intervals(rows, 30.0)}
    assert result == {"a": (1, 2), "b": (1, 2)}


def test_intervals_always_hold_the_displayed_rank_and_never_leave_the_table() -> None:
    rows = [_row(str(k), 90.0 - k * 0.3, k + 1, 0.02) for k in range(25)]
    for row in _with_rank_intervals(rows, 30.0):
        assert row.rank_low is not None
        assert row.rank_high is not None
        assert row.rank is not None
        assert 1 <= row.rank_low <= row.rank <= row.rank_high <= 25

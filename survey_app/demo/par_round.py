"""The demo PAR Index round, on the demo survey round's communes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from survey_app.par.models import ParRound
from survey_app.par.rounds import (
    BAND_PRESETS,
    ParRoundProblem,
    create_par_round,
    criteria_catalog,
    par_round_by_code,
)
from survey_app.rounds.services import round_by_code

DEMO_PAR_ROUND = "PAR-2021-HUONG-SON"
DEMO_CRITERIA = ("ha-tinh-commune", "2021.1")


def load_par_demo(session: Session, now: dt.datetime, survey_round_code: str) -> ParRound:
    """The demo PAR round on the demo survey's communes; safe to run again.

    Call after the demo survey round exists (``load_demo``); the self-assessment deadline is
    two weeks from ``now``.
    """
    existing = par_round_by_code(session, DEMO_PAR_ROUND)
    if existing is not None:
        existing.is_demo = True
        return existing
    if round_by_code(session, survey_round_code) is None:
        raise ParRoundProblem(f"load the demo survey round {survey_round_code} first")
    par_round = create_par_round(
        session,
        criteria_catalog(),
        code=DEMO_PAR_ROUND,
        title="Chỉ số CCHC cấp xã năm 2021 — huyện Hương Sơn (dữ liệu mẫu)",
        year=2021,
        criteria_set_id=DEMO_CRITERIA[0],
        criteria_version=DEMO_CRITERIA[1],
        deadline=now + dt.timedelta(days=14),
        survey_round_code=survey_round_code,
        no_survey_rule="rescale",
        bands=BAND_PRESETS["tot-kha"],
    )
    par_round.is_demo = True
    return par_round

"""Creating PAR Index rounds: a criteria-set version, a deadline, the survey, rule and bands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app
from flask.sansio.app import App
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.errors import AnalysisError
from analysis.par_index import Band, check_bands
from survey_app.par.criteria import load_criteria_catalog
from survey_app.par.criteria_model import CriteriaCatalog, CriteriaSet
from survey_app.par.models import NO_SURVEY_RULES, ParAssessment, ParRound, ParScore
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import round_by_code, units_by_code, units_valid_during
from survey_app.staff import audit
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit

#: Ready-made bands. The thresholds of "tot-kha" vary by province (DOMAIN.md §2) and are
#: illustrative; "nhom-a-b" are the national groups of 876/QĐ-BNV (A ≥ 90 %, B 80–<90 %).
BAND_PRESETS: dict[str, tuple[Band, ...]] = {
    "tot-kha": (
        Band("Tốt", 90.0),
        Band("Khá", 80.0, 90.0),
        Band("Trung bình", 65.0, 80.0),
        Band("Yếu", 0.0, 65.0),
    ),
    "nhom-a-b": (Band("A", 90.0), Band("B", 80.0, 90.0)),
}
EXTENSION_KEY = "par_criteria"


class ParRoundProblem(ValueError):
    """A round that cannot be created as asked; the message says what to change."""


def init_criteria(app: App) -> None:
    """Load questionnaires/criteria/ once at start-up, so a broken file stops the app early."""
    root = Path(app.config["QUESTIONNAIRES_DIR"]) / "criteria"
    app.extensions[EXTENSION_KEY] = load_criteria_catalog(root)


def criteria_catalog() -> CriteriaCatalog:
    catalog: CriteriaCatalog = current_app.extensions[EXTENSION_KEY]
    return catalog


def round_criteria(par_round: ParRound) -> CriteriaSet:
    return criteria_catalog().get(par_round.criteria_set_id, par_round.criteria_version)


def parse_band(text: str) -> Band:
    """``label:lower[:upper]`` (index %), e.g. ``Tốt:90`` or ``Khá:80:90``."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].strip():
        raise ParRoundProblem(
            f"band {text!r}: write label:lower or label:lower:upper (like Khá:80:90)"
        )
    try:
        lower = float(parts[1])
        upper = float(parts[2]) if len(parts) == 3 and parts[2].strip() else None
    except ValueError:
        raise ParRoundProblem(f"band {text!r}: the bounds must be numbers (index %)") from None
    return Band(parts[0].strip(), lower, upper)


def bands_json(bands: Sequence[Band]) -> list[dict[str, Any]]:
    return [{"label": b.label, "lower": b.lower, "upper": b.upper} for b in bands]


def round_bands(par_round: ParRound) -> tuple[Band, ...]:
    return tuple(
        Band(
            str(entry["label"]),
            float(entry["lower"]),
            None if entry.get("upper") is None else float(entry["upper"]),
        )
        for entry in par_round.bands
    )


def par_round_by_code(session: Session, code: str) -> ParRound | None:
    return session.scalars(select(ParRound).where(ParRound.code == code)).first()


def create_par_round(
    session: Session,
    catalog: CriteriaCatalog,
    *,
    code: str,
    title: str,
    year: int,
    criteria_set_id: str,
    criteria_version: str,
    deadline: dt.datetime,
    survey_round_code: str | None,
    no_survey_rule: str,
    bands: Sequence[Band],
    unit_codes: Sequence[str] | None = None,
    actor: User | None = None,
) -> ParRound:
    """Create the round and a draft assessment, with one empty score per item, per unit.

    Units: ``unit_codes``, else the linked survey round's units, else the communes valid for
    the whole year.
    """
    criteria = catalog.find(criteria_set_id, criteria_version)
    if criteria is None:
        known = ", ".join(catalog.versions(criteria_set_id)) or "none"
        raise ParRoundProblem(
            f"criteria set {criteria_set_id} version {criteria_version} is not in "
            f"questionnaires/criteria/ (known versions: {known})"
        )
    if no_survey_rule not in NO_SURVEY_RULES:
        raise ParRoundProblem(
            f"no-survey rule {no_survey_rule!r} is unknown: use {', '.join(NO_SURVEY_RULES)}"
        )
    try:
        checked = check_bands(bands)
    except AnalysisError as problem:
        raise ParRoundProblem(str(problem)) from None
    if deadline.tzinfo is None:
        raise ParRoundProblem("the deadline needs a time zone")
    if par_round_by_code(session, code) is not None:
        raise ParRoundProblem(f"a PAR round with code '{code}' already exists")
    survey_round = None
    if survey_round_code:
        survey_round = round_by_code(session, survey_round_code)
        if survey_round is None:
            raise ParRoundProblem(f"no survey round with code '{survey_round_code}'")
    units = _units(session, year, unit_codes, survey_round)
    par_round = ParRound(
        code=code,
        title=title,
        year=year,
        criteria_set_id=criteria_set_id,
        criteria_version=criteria_version,
        self_assessment_deadline=deadline,
        survey_round=survey_round,
        no_survey_rule=no_survey_rule,
        bands=bands_json(checked),
    )
    session.add(par_round)
    items = criteria.items()
    for unit in units:
        assessment = ParAssessment(unit=unit, status="draft")
        assessment.scores = [
            ParScore(item_code=item.code, self_explanation="", appraisal_reason="")
            for item in items
        ]
        par_round.assessments.append(assessment)
    session.flush()
    audit.record(
        session,
        "par_round_created",
        target=f"par:{code}",
        actor=actor,
        actor_name=None if actor else "cli",
        detail={
            "criteria": f"{criteria_set_id} {criteria_version}",
            "units": len(units),
            "survey_round": survey_round_code,
            "no_survey_rule": no_survey_rule,
            "deadline": deadline.isoformat(),
        },
    )
    return par_round


def _units(
    session: Session,
    year: int,
    unit_codes: Sequence[str] | None,
    survey_round: SurveyRound | None,
) -> list[AdminUnit]:
    if unit_codes:
        units, unknown = units_by_code(session, unit_codes)
        if unknown:
            raise ParRoundProblem(f"unknown unit code(s): {', '.join(unknown)}")
    elif survey_round is not None:
        units = sorted((ru.unit for ru in survey_round.units), key=lambda u: u.code)
    else:
        units = units_valid_during(session, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if not units:
        raise ParRoundProblem("no units take part: import units valid during the year first")
    return units

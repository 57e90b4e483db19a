"""The commune PAR Index: appraised points + satisfaction points → index %, rank and band.

Hà Tĩnh's commune set (52/2019/QĐ-UBND; DOMAIN.md §2) gives 100 points: criteria appraised by
the district council plus a sociological-survey component. For unit u with appraised points
A_u (out of A_max) and weighted SIPAS satisfaction index s_u (a share in [0, 1]; see
:mod:`analysis.sipas`), with component maximum S_max:

    satisfaction points  P_u = s_u × S_max                      (DOMAIN.md §2–3)
    total                T_u = A_u + P_u,        maximum M = A_max + S_max
    index (%)            I_u = T_u / M × 100

Where a unit has no survey result, the round's rule applies and is recorded per unit:

* ``"rescale"``: the appraised score is rescaled to the full scale, I_u = A_u / A_max × 100
  and T_u = I_u × M / 100 (the Hà Nội framework's rule for units without a survey; DOMAIN.md
  §2); P_u is then not applicable (NaN).
* ``"zero"``: P_u = 0, so T_u = A_u (no survey earns no survey points).
* ``"mean"``: P_u = s̄ × S_max with s̄ the unweighted mean of the other units' indices in
  the round (each unit counts once, as in the ranking itself).

Ranks use standard competition ranking ("1224"; pandas ``rank(method="min")``): units whose
index, rounded to the published ``decimals``, is equal share the best rank of their group and
the next rank skips. Rounding first means that two indices printed as the same number never
get different ranks. Bands are applied to the same rounded index.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from analysis.columns import UNIT
from analysis.errors import AnalysisError

APPRAISED = "appraised_points"
SATISFACTION_INDEX = "satisfaction_index"
SATISFACTION_INDEX_USED = "satisfaction_index_used"
SATISFACTION_POINTS = "satisfaction_points"
RULE_APPLIED = "no_survey_rule"  # the rule applied to this unit; "" when its survey counts
TOTAL = "total_points"
MAX = "max_points"
INDEX = "index_pct"
RANK = "rank"
BAND = "band"

NO_SURVEY_RULES = ("rescale", "zero", "mean")
OUTPUT_COLUMNS = (
    UNIT,
    APPRAISED,
    SATISFACTION_INDEX,
    SATISFACTION_INDEX_USED,
    SATISFACTION_POINTS,
    RULE_APPLIED,
    TOTAL,
    MAX,
    INDEX,
    RANK,
    BAND,
)


@dataclass(frozen=True)
class Band:
    """A class of results: index % in ``[lower, upper)``; ``upper=None`` has no upper bound."""

    label: str
    lower: float
    upper: float | None = None

    def contains(self, index_pct: float) -> bool:
        return index_pct >= self.lower and (self.upper is None or index_pct < self.upper)


def check_bands(bands: Sequence[Band]) -> tuple[Band, ...]:
    """Return the bands if they are listed best first, each a valid range, none overlapping.

    Gaps are allowed on purpose: the national groups (876/QĐ-BNV) name only A ≥ 90 % and
    B 80–<90 %; an index in a gap gets no band (an empty label).
    """
    checked = tuple(bands)
    labels = [band.label for band in checked]
    for position, band in enumerate(checked, start=1):
        where = f"band {position} ({band.label!r})"
        if not band.label.strip():
            raise AnalysisError(f"band {position} has no label: name it (like 'Tốt' or 'A')")
        if labels.count(band.label) > 1:
            raise AnalysisError(f"{where} is listed twice: give each band its own label")
        if not np.isfinite(band.lower) or not 0 <= band.lower <= 100:
            raise AnalysisError(f"{where}: lower bound {band.lower} must be between 0 and 100")
        if band.upper is not None:
            if not np.isfinite(band.upper) or band.upper <= band.lower:
                raise AnalysisError(
                    f"{where}: upper bound {band.upper} must be above the lower bound {band.lower}"
                )
            if band.upper >= 100:
                raise AnalysisError(
                    f"{where}: upper bound {band.upper} would leave 100 % outside every band; "
                    "give the top band no upper bound"
                )
    for position, (better, worse) in enumerate(pairwise(checked), start=1):
        if worse.lower >= better.lower:
            raise AnalysisError(
                f"bands {position} ({better.label!r}) and {position + 1} ({worse.label!r}) are "
                "out of order: list bands from the best (highest lower bound) down"
            )
        if worse.upper is None or worse.upper > better.lower:
            raise AnalysisError(
                f"bands {position} ({better.label!r}) and {position + 1} ({worse.label!r}) "
                f"overlap: {worse.label!r} must end at or below {better.lower} "
                f"(set its upper bound to {better.lower})"
            )
    return checked


def band_of(index_pct: float, bands: Sequence[Band]) -> str:
    """The label of the band containing ``index_pct``, or '' when it falls in a gap."""
    return next((band.label for band in bands if band.contains(index_pct)), "")


def _check_units(units: pd.DataFrame, appraised_max: float, satisfaction_max: float) -> None:
    missing = [c for c in (UNIT, APPRAISED, SATISFACTION_INDEX) if c not in units.columns]
    if missing:
        raise AnalysisError(
            "the units table lacks column(s) " + ", ".join(repr(c) for c in missing)
        )
    if not (np.isfinite(appraised_max) and appraised_max > 0):
        raise AnalysisError(f"appraised_max {appraised_max} must be a positive number")
    if not (np.isfinite(satisfaction_max) and satisfaction_max >= 0):
        raise AnalysisError(f"satisfaction_max {satisfaction_max} must be zero or more")
    codes = units[UNIT]
    if bool(codes.isna().any()):
        raise AnalysisError(f"column {UNIT!r} has empty unit codes: every row needs one")
    duplicated = sorted(set(codes[codes.duplicated()].astype(str)))
    if duplicated:
        raise AnalysisError(f"unit(s) listed more than once: {', '.join(duplicated)}")
    appraised = pd.to_numeric(units[APPRAISED], errors="coerce").to_numpy(dtype=np.float64)
    bad = codes[~(np.isfinite(appraised) & (appraised >= 0) & (appraised <= appraised_max))]
    if len(bad):
        raise AnalysisError(
            f"{APPRAISED!r} must be a number from 0 to {appraised_max:g} (the appraised "
            f"maximum); check unit(s) {', '.join(map(str, bad))}"
        )
    index = pd.to_numeric(units[SATISFACTION_INDEX], errors="coerce").to_numpy(dtype=np.float64)
    given = units[SATISFACTION_INDEX].notna().to_numpy()
    bad = codes[given & ~((index >= 0) & (index <= 1))]
    if len(bad):
        raise AnalysisError(
            f"{SATISFACTION_INDEX!r} must be a share from 0 to 1 (0.9117, not 91.17 %), or "
            f"empty for a unit without a survey; check unit(s) {', '.join(map(str, bad))}"
        )


def compute_par_index(
    units: pd.DataFrame,
    *,
    appraised_max: float,
    satisfaction_max: float,
    no_survey_rule: str,
    bands: Sequence[Band] = (),
    decimals: int = 2,
) -> pd.DataFrame:
    """Each unit's total, index %, rank and band; a new table sorted by rank, then unit.

    ``units`` has one row per unit: ``unit_code``, ``appraised_points`` (0..appraised_max)
    and ``satisfaction_index`` (a share in [0, 1]; NaN/None where the unit has no survey
    result). Formulas, the no-survey rules and the ranking method: module docstring.
    """
    _check_units(units, appraised_max, satisfaction_max)
    if no_survey_rule not in NO_SURVEY_RULES:
        raise AnalysisError(
            f"no_survey_rule {no_survey_rule!r} is unknown: use one of {', '.join(NO_SURVEY_RULES)}"
        )
    checked_bands = check_bands(bands)
    appraised = pd.to_numeric(units[APPRAISED]).to_numpy(dtype=np.float64)
    index = pd.to_numeric(units[SATISFACTION_INDEX], errors="coerce").to_numpy(dtype=np.float64)
    surveyed = ~np.isnan(index)
    full_max = appraised_max + satisfaction_max
    used = index.copy()
    if no_survey_rule == "mean" and not surveyed.all():
        if not surveyed.any():
            raise AnalysisError(
                "no_survey_rule 'mean' needs at least one unit with a survey result; none has "
                "one: choose 'rescale' or 'zero'"
            )
        used[~surveyed] = index[surveyed].mean()
    points = used * satisfaction_max
    if no_survey_rule == "zero":
        points[~surveyed] = 0.0
    total = appraised + np.nan_to_num(points, nan=0.0)
    if no_survey_rule == "rescale":
        total = np.where(surveyed, total, appraised / appraised_max * full_max)
    index_pct = total / full_max * 100.0
    rounded = np.round(index_pct, decimals)
    result = pd.DataFrame(
        {
            UNIT: units[UNIT].to_numpy(),
            APPRAISED: appraised,
            SATISFACTION_INDEX: index,
            SATISFACTION_INDEX_USED: used,
            SATISFACTION_POINTS: points,
            RULE_APPLIED: np.where(surveyed, "", no_survey_rule),
            TOTAL: total,
            MAX: np.full(len(units), full_max),
            INDEX: index_pct,
            RANK: pd.Series(rounded, dtype="float64")
            .rank(method="min", ascending=False)
            .to_numpy(dtype=np.int64),
            BAND: [band_of(value, checked_bands) for value in rounded],
        }
    )
    return result.sort_values([RANK, UNIT], kind="stable", ignore_index=True)

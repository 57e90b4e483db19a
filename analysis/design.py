"""The sampling design of a set of responses, and its arrays as the variance estimators use them.

:class:`Design` names the columns (weights, strata, PSUs, population sizes for the finite
population correction) and the lonely-PSU policy, like R's ``svydesign(ids = ~1 | ~psu,
strata = ~stratum, fpc = ~N_h, weights = ~weight)`` with ``options(survey.lonely.psu = ...)``.
:func:`prepare_design` checks it against a responses table and returns :class:`DesignArrays`:
integer stratum and PSU codes, n_h, the FPC factor 1 - n_h/N_h and the design degrees of
freedom. The SIPAS default is one stratum per commune, one respondent per PSU and N_h = the
commune's transactions in the period.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.columns import WEIGHT, as_codes, numeric_column
from analysis.errors import AnalysisError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

LonelyPsu = Literal["fail", "remove", "adjust", "average", "certainty"]

# R's onestrat() treats a stratum whose FPC factor is below this as sampled with certainty.
CERTAINTY_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Design:
    """Columns and options that describe how the responses were sampled.

    ``weights``: the analysis weight column. ``strata``: stratum column, or None for one
    stratum. ``psu``: primary sampling unit (cluster) column, or None when each respondent is
    its own PSU; PSUs are nested in strata (R's ``nest = TRUE``). ``fpc``: the population size
    N_h of each stratum, counted in PSUs (the commune's transactions when respondents are the
    PSUs): a column name, or a mapping stratum code -> N_h; None means sampling with
    replacement (no finite population correction). ``lonely_psu``: what to do with a stratum
    holding a single PSU, as R's ``options(survey.lonely.psu = ...)``: ``"fail"`` (an error
    naming the stratum), ``"remove"``, ``"certainty"``, ``"adjust"`` or ``"average"``.
    """

    weights: str = WEIGHT
    strata: str | None = None
    psu: str | None = None
    fpc: str | Mapping[str, float] | None = None
    lonely_psu: LonelyPsu = "fail"

    def __post_init__(self) -> None:
        if self.lonely_psu not in get_args(LonelyPsu):
            raise AnalysisError(
                f"lonely_psu={self.lonely_psu!r} is not a policy; use one of "
                f"{', '.join(get_args(LonelyPsu))}"
            )

    def columns(self) -> tuple[str, ...]:
        """The responses columns this design reads."""
        named = (self.weights, self.strata, self.psu, self.fpc)
        return tuple(name for name in named if isinstance(name, str))


@dataclass(frozen=True)
class DesignArrays:
    """A :class:`Design` resolved against a responses table (row order kept).

    ``stratum`` holds codes 0..H-1 into ``stratum_labels``; ``psu`` codes 0..P-1 (unique
    across strata) and ``psu_stratum`` the stratum of each, or both None when every row is its
    own PSU; ``n_psu`` is n_h, the PSUs sampled in
    each stratum (all rows count, whatever the analysed variable); ``fpc_factor`` is
    1 - n_h/N_h (1 without FPC); ``lonely`` marks strata with n_h = 1 that are not certainty
    strata; ``degf`` is R's ``degf()``: PSUs minus strata among rows with a non-zero weight.
    """

    weights: FloatArray
    stratum: IntArray
    stratum_labels: tuple[str, ...]
    psu: IntArray | None
    psu_stratum: IntArray | None
    n_psu: IntArray
    fpc_factor: FloatArray
    lonely: BoolArray
    lonely_psu: LonelyPsu
    degf: int

    @property
    def rows(self) -> int:
        return int(self.weights.shape[0])

    @property
    def strata_count(self) -> int:
        return len(self.stratum_labels)


def _stratum_codes(responses: pd.DataFrame, design: Design) -> tuple[IntArray, tuple[str, ...]]:
    if design.strata is None:
        return np.zeros(len(responses), dtype=np.intp), ("all",)
    labels = as_codes(responses[design.strata], design.strata)
    if bool(labels.isna().any()):
        first = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise AnalysisError(
            f"stratum column {design.strata!r} is empty in {int(labels.isna().sum())} row(s) "
            f"(first: row {first + 1}); give every response its stratum"
        )
    codes, uniques = pd.factorize(labels, sort=True)
    return codes.astype(np.intp), tuple(str(label) for label in uniques)


def _psu_codes(responses: pd.DataFrame, column: str, stratum: IntArray) -> IntArray:
    values = responses[column]
    if bool(values.isna().any()):
        first = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise AnalysisError(
            f"PSU column {column!r} is empty in {int(values.isna().sum())} row(s) "
            f"(first: row {first + 1}); give every response its cluster"
        )
    within, _ = pd.factorize(values)
    # PSU ids are nested in strata: the same id in two strata is two PSUs (R's nest = TRUE).
    nested = stratum.astype(np.int64) * (int(within.max()) + 1) + within
    codes, _ = pd.factorize(nested)
    return codes.astype(np.intp)


def _population_sizes(
    responses: pd.DataFrame, design: Design, stratum: IntArray, labels: tuple[str, ...]
) -> FloatArray:
    """Return N_h per stratum (inf without FPC), checked to be constant within each stratum."""
    if design.fpc is None:
        return np.full(len(labels), np.inf)
    if not isinstance(design.fpc, str):
        mapping = {str(key): float(value) for key, value in design.fpc.items()}
        absent = [label for label in labels if label not in mapping]
        if absent:
            raise AnalysisError(
                f"no population size for stratum(s) {absent[:5]}: add them to the fpc mapping"
            )
        return np.array([mapping[label] for label in labels])
    per_row = numeric_column(responses, design.fpc, what="responses")
    sizes = np.full(len(labels), np.nan)
    sizes[stratum] = per_row
    varying = np.flatnonzero(per_row != sizes[stratum])
    if varying.size:
        label = labels[int(stratum[varying[0]])]
        raise AnalysisError(
            f"population size column {design.fpc!r} varies within stratum {label!r}; "
            "it must hold the stratum's N_h in every row"
        )
    return sizes


def prepare_design(responses: pd.DataFrame, design: Design) -> DesignArrays:
    """Check ``design`` against ``responses`` and return the arrays the estimators use.

    Errors (:class:`AnalysisError`) name the column or stratum: missing columns, empty or
    non-finite weights, empty strata or PSU ids, N_h varying within a stratum or below n_h,
    and, with ``lonely_psu="fail"``, every stratum holding one PSU (R's survey.lonely.psu).
    A stratum with N_h = n_h = 1 is a certainty stratum, not a lonely one (as in R).
    """
    missing = [name for name in design.columns() if name not in responses.columns]
    if missing:
        raise AnalysisError(
            "the design names column(s) absent from the responses: "
            + ", ".join(repr(name) for name in missing)
        )
    weights = numeric_column(responses, design.weights, what="responses")
    stratum, labels = _stratum_codes(responses, design)
    psu = None if design.psu is None else _psu_codes(responses, design.psu, stratum)
    if psu is None:
        psu_stratum = None
        n_psu = np.bincount(stratum, minlength=len(labels)).astype(np.intp)
        psu_count = weights != 0
    else:
        psu_stratum = np.zeros(int(psu.max()) + 1, dtype=np.intp)
        psu_stratum[psu] = stratum
        n_psu = np.bincount(psu_stratum, minlength=len(labels)).astype(np.intp)
        psu_count = np.zeros(psu_stratum.shape[0], dtype=bool)
        psu_count[psu[weights != 0]] = True
    population = _population_sizes(responses, design, stratum, labels)
    too_small = np.flatnonzero(population < n_psu)
    if too_small.size:
        h = int(too_small[0])
        raise AnalysisError(
            f"stratum {labels[h]!r} has N_h = {population[h]:g} in its population but "
            f"{int(n_psu[h])} sampled PSUs; N_h must be at least n_h (check the fpc counts)"
        )
    with np.errstate(invalid="ignore"):
        fpc_factor = np.where(np.isinf(population), 1.0, (population - n_psu) / population)
    lonely = (n_psu == 1) & (fpc_factor >= CERTAINTY_TOLERANCE)
    if design.lonely_psu == "fail" and bool(lonely.any()):
        names = ", ".join(repr(labels[h]) for h in np.flatnonzero(lonely)[:10])
        raise AnalysisError(
            f"stratum(s) {names} hold a single PSU, so their sampling variance cannot be "
            "estimated; merge each with a similar stratum, or choose a lonely_psu policy "
            "('adjust', 'average', 'remove' or 'certainty', as R's survey.lonely.psu)"
        )
    strata_in_use = np.unique(stratum[weights != 0]).size
    return DesignArrays(
        weights=weights,
        stratum=stratum,
        stratum_labels=labels,
        psu=psu,
        psu_stratum=psu_stratum,
        n_psu=n_psu,
        fpc_factor=fpc_factor,
        lonely=lonely,
        lonely_psu=design.lonely_psu,
        degf=int(np.count_nonzero(psu_count)) - int(strata_in_use),
    )

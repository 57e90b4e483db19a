"""Weight trimming to bounds, with R ``survey::trimWeights`` semantics.

One pass (R, ``strict = FALSE``): weights below ``lower`` or above ``upper`` are set to the
bound, and the total trimmed off (or added) is shared in equal additive parts among the units
that were inside the bounds, so the total is preserved but those units may now fall outside.
``strict = True`` repeats the pass until every weight is within the bounds (Valliant & Dever
2018, §14.4, "trimming and redistribution").
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.weighting import WeightsLike, as_weights, weight_series

MAX_TRIM_PASSES = 1000


@dataclass(frozen=True)
class TrimResult:
    """Trimmed weights and the units outside the bounds at each pass, below and above apart.

    ``below_per_pass`` counts the weights raised to the lower bound, ``above_per_pass`` those
    cut to the upper bound (R's ``trimWeights`` reports the two separately);
    ``outside_per_pass`` is their sum.
    """

    weights: pd.Series
    below_per_pass: tuple[int, ...]
    above_per_pass: tuple[int, ...]

    @property
    def outside_per_pass(self) -> tuple[int, ...]:
        return tuple(
            below + above
            for below, above in zip(self.below_per_pass, self.above_per_pass, strict=True)
        )

    @property
    def passes(self) -> int:
        return len(self.outside_per_pass)


def trim_weights(
    responses: pd.DataFrame,
    weights: WeightsLike,
    lower: float = -math.inf,
    upper: float = math.inf,
    *,
    strict: bool = False,
    max_passes: int = MAX_TRIM_PASSES,
) -> TrimResult:
    """Trim ``weights`` to [lower, upper] and redistribute the excess; Σw is preserved.

    Each pass (R ``trimWeights.survey.design2``): w' = min(max(w, lower), upper) and every unit
    with lower <= w <= upper gets Σ(w − w') / #{inside} added. With ``strict`` the pass repeats
    until no weight is outside (at most ``max_passes``). Errors: lower > upper, bounds that
    cannot hold the total (n·lower > Σw or n·upper < Σw, with ``strict``), or every unit
    outside the bounds (nowhere to put the excess).
    """
    values = as_weights(responses, weights, allow_negative=True)
    if lower > upper:
        raise AnalysisError(f"trimming bounds are reversed: lower {lower:g} > upper {upper:g}")
    total = float(values.sum())
    if strict and not (values.size * lower <= total <= values.size * upper):
        raise AnalysisError(
            f"no {values.size} weights within [{lower:g}, {upper:g}] can sum to {total:g}; "
            "widen the trimming bounds"
        )
    below_per_pass: list[int] = []
    above_per_pass: list[int] = []
    while True:
        below, above = values < lower, values > upper
        outside = below | above
        if not bool(outside.any()):
            break
        if len(below_per_pass) >= max_passes:
            raise AnalysisError(
                f"strict trimming did not settle within {max_passes} passes; widen the bounds"
            )
        inside = ~outside
        if not bool(inside.any()):
            raise AnalysisError(
                f"every weight is outside [{lower:g}, {upper:g}]; widen the trimming bounds"
            )
        bounded = np.clip(values, lower, upper)
        bounded[inside] += float((values - bounded).sum()) / int(inside.sum())
        values = bounded
        below_per_pass.append(int(below.sum()))
        above_per_pass.append(int(above.sum()))
        if not strict:
            break
    return TrimResult(
        weights=weight_series(responses, values),
        below_per_pass=tuple(below_per_pass),
        above_per_pass=tuple(above_per_pass),
    )

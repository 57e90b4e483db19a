"""Answer codes -> scores -> satisfied indicators, driven by the questionnaire codebook.

SIPAS (MoHA 2640/QĐ-BNV, 1001/QĐ-BNV) scores answers 1 (very dissatisfied) to 5 (very
satisfied); "no answer" is missing, never a middle score. Satisfied means a score of at least
4 by usual practice, kept as a parameter (DOMAIN.md §3).
"""

from collections.abc import Sequence
from typing import overload

import numpy as np
import pandas as pd

from analysis.codebook import Codebook
from analysis.columns import as_codes
from analysis.errors import AnalysisError

SATISFIED_THRESHOLD = 4.0


def recode_scores(
    responses: pd.DataFrame, codebook: Codebook, items: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return float scores for the scored items (all, or ``items``), indexed like ``responses``.

    A choice code becomes its ``value``; missing codes ("no answer") and empty answers
    become NaN. An unknown code is an error naming the item and the code.
    """
    names = codebook.item_names if items is None else tuple(items)
    absent = [name for name in names if name not in responses.columns]
    if absent:
        raise AnalysisError(
            "responses lack scored item column(s) " + ", ".join(repr(name) for name in absent)
        )
    scores: dict[str, np.ndarray] = {}
    for name in names:
        item = codebook.item(name)
        codes = as_codes(responses[name], name)
        unknown = codes.notna() & ~codes.isin(list(item.codes))
        if bool(unknown.any()):
            found = ", ".join(repr(str(code)) for code in codes[unknown].unique()[:5])
            raise AnalysisError(
                f"item {name!r} has {int(unknown.sum())} answer(s) with unknown code(s) {found}; "
                f"codebook {codebook.form_id} {codebook.version} allows "
                f"{', '.join(sorted(item.codes))}"
            )
        scores[name] = codes.map(dict(item.values)).astype("float64").to_numpy()
    return pd.DataFrame(scores, index=responses.index, columns=list(names))


@overload
def satisfied(scores: pd.DataFrame, threshold: float = ...) -> pd.DataFrame: ...
@overload
def satisfied(scores: pd.Series, threshold: float = ...) -> pd.Series: ...
def satisfied(
    scores: pd.DataFrame | pd.Series, threshold: float = SATISFIED_THRESHOLD
) -> pd.DataFrame | pd.Series:
    """Return 1.0 where score >= ``threshold``, 0.0 below it, NaN where the score is missing.

    The indicator whose weighted mean is the SIPAS "% satisfied" (MoHA SIPAS method).
    """
    values = scores.to_numpy(dtype="float64")
    indicator = np.where(np.isnan(values), np.nan, (values >= threshold).astype("float64"))
    if isinstance(scores, pd.DataFrame):
        return pd.DataFrame(indicator, index=scores.index, columns=scores.columns)
    return pd.Series(indicator, index=scores.index, name=scores.name)

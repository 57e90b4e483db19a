"""Weighted contingency tables: R's ``svytable``.

Cell counts are sums of weights, sum_{i in cell} w_i, the Horvitz–Thompson estimate of the
population count of each cell (Särndal, Swensson & Wretman 1992, §3.3; Lumley 2010, §2.2 and
``svytable``). ``total`` rescales the table to a given population size, as ``svytable(...,
Ntotal = N)`` does for an unstratified design. Missing values form no cell (``xtabs``).
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.columns import numeric_column
from analysis.errors import AnalysisError


def weighted_table(
    responses: pd.DataFrame,
    columns: str | Sequence[str],
    weights: str,
    *,
    total: float | None = None,
) -> pd.DataFrame:
    """Return one row per observed cell of ``columns`` with its ``count`` = sum of weights.

    Cells are sorted by their levels; rows with a missing level in any column are left out.
    ``total`` scales the counts to sum to it (``Ntotal``).
    """
    names = [columns] if isinstance(columns, str) else list(columns)
    absent = [name for name in [*names, weights] if name not in responses.columns]
    if absent:
        raise AnalysisError(f"responses have no column(s) {absent} for the table")
    if not names:
        raise AnalysisError("a table needs at least one column")
    frame = responses[names].assign(count=numeric_column(responses, weights, what="responses"))
    table = frame.groupby(names, sort=True, dropna=True, observed=True)["count"].sum().reset_index()
    if total is not None:
        current = float(table["count"].sum())
        if not current > 0:
            raise AnalysisError("the weights sum to zero; nothing to scale to the total")
        table["count"] = table["count"].to_numpy(dtype=np.float64) * (total / current)
    return table

"""Domains (subpopulations) for estimation: the whole population, or the groups of by-columns.

A domain is analysed as R's ``svyby`` does: every row stays in the design (so n_h counts all
respondents of a stratum) and rows outside the domain contribute zero to the linearised
variable. Rows with an empty by-value belong to no domain.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.design import IntArray
from analysis.errors import AnalysisError


@dataclass(frozen=True)
class Domains:
    """Integer domain code per row (-1: in no domain) and one label row per domain.

    ``labels`` has one column per by-column (none for the whole population) and one row per
    domain, in the order of the codes (sorted by the by-values, as R's svyby).
    """

    codes: IntArray
    labels: pd.DataFrame

    @property
    def count(self) -> int:
        return len(self.labels)


def define_domains(responses: pd.DataFrame, by: Sequence[str] = ()) -> Domains:
    """Return the domains formed by crossing the ``by`` columns (the whole population if none).

    Only combinations present in ``responses`` become domains.
    """
    by = list(by)
    if not by:
        return Domains(
            codes=np.zeros(len(responses), dtype=np.intp), labels=pd.DataFrame(index=[0])
        )
    missing = [name for name in by if name not in responses.columns]
    if missing:
        raise AnalysisError(
            "by-column(s) absent from the responses: " + ", ".join(repr(name) for name in missing)
        )
    if len(set(by)) != len(by):
        raise AnalysisError(f"by-columns {by} name a column twice; name each once")
    grouped = responses[by].groupby(by, sort=True, dropna=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.float64, na_value=-1.0).astype(np.intp)
    labels = grouped.size().index.to_frame(index=False)
    return Domains(codes=codes, labels=labels)

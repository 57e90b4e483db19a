"""The R reference for the weighting tests: tests/data/r_weighting.json and the api CSVs.

Produced by tests/data/r_weighting.R (R's survey package); the tests never run R.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.margins import Margin

DATA = Path(__file__).parents[1] / "data"
RELATIVE = 1e-6


@cache
def fixture() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "r_weighting.json").read_text())
    return loaded


def r_weights(name: str) -> np.ndarray:
    return np.asarray(fixture()["weights"][name], dtype="float64")


def read_api(name: str) -> pd.DataFrame:
    """apistrat or apiclus1 as R exported them (write.csv, row order kept)."""
    return pd.read_csv(DATA / f"{name}.csv")


def stype_margin() -> Margin:
    return Margin("stype", fixture()["population"]["stype"])


def sch_wide_margin() -> Margin:
    return Margin("sch.wide", fixture()["population"]["sch_wide"])


def stype_sch_wide_margin() -> Margin:
    cells = fixture()["population"]["stype_sch_wide"]
    return Margin(
        ("stype", "sch.wide"), {(cell["stype"], cell["sch_wide"]): cell["count"] for cell in cells}
    )

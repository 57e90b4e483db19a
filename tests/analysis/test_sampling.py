"""Sample sizes: Slovin, Cochran with FPC, floors/caps by unit kind, achieved margin of error."""

import math
from collections.abc import Callable

import pandas as pd
import pytest
from scipy import stats

from analysis.columns import KIND, TARGET, TRANSACTIONS, UNIT
from analysis.errors import AnalysisError
from analysis.sampling import (
    MARGIN,
    N_FORMULA,
    cochran_n,
    cochran_n0,
    cochran_size,
    margin_of_error,
    round_up,
    slovin_n,
    slovin_size,
    unit_targets,
)


def test_cochran_reference_numbers() -> None:
    assert round(cochran_n0(0.05, 0.95, 0.5), 4) == 384.1459
    assert cochran_n(1000, 0.05) == pytest.approx(277.7334531731876, rel=1e-12)
    assert cochran_size(1000, 0.05) == 278


def test_cochran_uses_the_exact_normal_quantile_not_1_96() -> None:
    z = stats.norm.ppf(0.975)
    assert cochran_n0(0.05) == pytest.approx(z * z * 0.25 / 0.0025, rel=1e-15)
    assert cochran_n0(0.05) != pytest.approx(1.96**2 * 0.25 / 0.0025, rel=1e-6)
    assert cochran_n0(0.05, confidence=0.99) == pytest.approx(
        stats.norm.ppf(0.995) ** 2 * 0.25 / 0.0025, rel=1e-15
    )


def test_slovin() -> None:
    assert slovin_n(1000, 0.05) == pytest.approx(1000 / 3.5)
    assert slovin_size(1000) == 286
    assert slovin_size(400, 0.05) == 200  # exactly 200: no spurious round-up
    assert slovin_size(0) == 0


def test_round_up_ignores_float_fuzz_but_not_real_fractions() -> None:
    assert round_up(277.0000000001) == 277
    assert round_up(277.73) == 278
    assert round_up(277.001) == 278
    assert round_up(0.1 + 0.2 - 0.3 + 5) == 5


@pytest.mark.parametrize("N", [50, 1000, 12345, math.inf])
@pytest.mark.parametrize(("e", "confidence", "p"), [(0.05, 0.95, 0.5), (0.03, 0.9, 0.2)])
def test_margin_of_error_inverts_cochran(N: float, e: float, confidence: float, p: float) -> None:
    n = cochran_n(N, e, confidence, p)
    assert margin_of_error(n, N, p, confidence) == pytest.approx(e, rel=1e-12)


def test_margin_of_error_of_the_rounded_size_is_within_the_target() -> None:
    assert margin_of_error(278, 1000) <= 0.05 < margin_of_error(277, 1000)
    assert margin_of_error(1000, 1000) == 0.0
    with pytest.raises(AnalysisError, match="n must be > 0"):
        margin_of_error(0, 1000)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: slovin_n(100, 1.5), "margin of error e"),
        (lambda: cochran_n0(0.05, confidence=95), "confidence"),
        (lambda: cochran_n0(0.05, p=0), "proportion p"),
        (lambda: cochran_n(-1), "population size"),
    ],
)
def test_parameters_are_checked(call: Callable[[], float], message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        call()


UNITS = pd.DataFrame(
    {
        UNIT: ["pho_chau", "son_kim_1", "son_tay", "tay_son"],
        KIND: ["thi_tran", "xa", "xa", "thi_tran"],
        TRANSACTIONS: [1000, 120, 5000, 400],
    }
)


def test_unit_targets_apply_floors_by_kind_never_above_N() -> None:
    targets = unit_targets(UNITS, floors={"xa": 150, "thi_tran": 200})
    assert targets[N_FORMULA].tolist() == [286, 93, 371, 200]
    assert targets[TARGET].tolist() == [286, 120, 371, 200]
    assert targets.loc[1, MARGIN] == 0.0  # a census of son_kim_1
    assert targets[MARGIN].iloc[0] == pytest.approx(margin_of_error(286, 1000))


def test_unit_targets_apply_caps_and_cochran() -> None:
    targets = unit_targets(UNITS, method="cochran", caps={"xa": 300})
    assert targets[N_FORMULA].tolist() == [cochran_size(N) for N in (1000, 120, 5000, 400)]
    assert targets[TARGET].tolist() == [278, 92, 300, 197]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "kish"}, "unknown sample-size method"),
        ({"floors": {"xa": 200}, "caps": {"xa": 100}}, "below its floor"),
    ],
)
def test_unit_target_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        unit_targets(UNITS, **options)  # type: ignore[arg-type]


def test_floors_need_the_unit_kind() -> None:
    units = UNITS.drop(columns=KIND)
    assert unit_targets(units)[TARGET].tolist() == [286, 93, 371, 200]
    with pytest.raises(AnalysisError, match="have no 'kind'"):
        unit_targets(units, floors={"xa": 150})


# Krejcie & Morgan (1970), "Determining sample size for research activities", Educational and
# Psychological Measurement 30, Table 1 (chi-square 3.841, P = 0.5, d = 0.05, sizes rounded to
# the nearest whole number): N -> s. Their formula s = X² N P(1-P) / (d² (N-1) + X² P(1-P)) is
# Cochran's FPC form n0 / (1 + (n0 - 1)/N) with z² = X².
KREJCIE_MORGAN = {10: 10, 50: 44, 100: 80, 200: 132, 500: 217, 1000: 278, 2000: 322, 5000: 357,
                  10000: 370, 20000: 377, 50000: 381, 75000: 382, 1000000: 384}  # fmt: skip


@pytest.mark.parametrize(("N", "published"), sorted(KREJCIE_MORGAN.items()))
def test_cochran_form_reproduces_krejcie_morgan_table(N: int, published: int) -> None:
    assert round(cochran_n(N, 0.05, z=math.sqrt(3.841))) == published
    # The exact quantile and 1.96 land on the same published sizes.
    assert round(cochran_n(N, 0.05)) == published
    assert round(cochran_n(N, 0.05, z=1.96)) == published


def test_simple_fpc_form_with_z_2_is_slovin() -> None:
    for N in (50, 260, 900, 1600, 12345):
        simple = cochran_n(N, 0.05, p=0.5, correction="simple", z=2.0)
        assert simple == pytest.approx(slovin_n(N, 0.05), rel=1e-13)


def test_fpc_forms_and_quantiles_differ_as_their_formulas_say() -> None:
    n0 = cochran_n0(0.05, z=1.96)
    assert n0 == pytest.approx(384.16, rel=1e-13)
    assert cochran_n(1000, 0.05, z=1.96) == pytest.approx(n0 / (1 + (n0 - 1) / 1000), rel=1e-13)
    assert cochran_n(1000, 0.05, z=1.96, correction="simple") == pytest.approx(
        n0 / (1 + n0 / 1000), rel=1e-13
    )
    assert cochran_n(1000, 0.05, correction="simple") < cochran_n(1000, 0.05)
    with pytest.raises(AnalysisError, match="correction"):
        cochran_n(1000, correction="nope")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="z must be"):
        cochran_n0(0.05, z=0.0)


def test_unit_targets_pass_the_cochran_options() -> None:
    units = pd.DataFrame(
        {"unit_code": ["a", "b"], "kind": ["xa", "xa"], "transactions": [1000, 300]}
    )
    simple = unit_targets(units, "cochran", correction="simple", z=1.96)
    assert simple["n_formula"].tolist() == [
        cochran_size(1000, correction="simple", z=1.96),
        cochran_size(300, correction="simple", z=1.96),
    ]

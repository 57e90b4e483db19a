"""Benchmark the analysis pipeline against R's survey package on the same synthetic survey.

    .venv/bin/python benchmarks/bench_analysis.py            # 1,000,000 responses
    .venv/bin/python benchmarks/bench_analysis.py --rows 100000

Generates seeded synthetic SIPAS responses (200 communes = strata with FPC, sex, age group,
procedure field, 25 Likert items with missing answers), writes them to benchmarks/out/, then
times in a fresh Python process: design weights N_h/n_h, raking to sex, age group and field
margins, and the mean of every item by commune with its linearised SE (plus the SIPAS index by
commune, which R has no single call for). benchmarks/bench_analysis.R does the same in R
(``rake`` with tight control, then ``svyby(~item, ~unit_code, svymean, na.rm = TRUE)`` on the
raked weights held fixed, as our primary SE does); the script compares the numbers and prints
the speed ratio. Without Rscript it says how to install R and skips that part.

``--parts extras`` (or ``base,extras``) times what issue 13 added, on the same responses and
the raked weights: the pooled satisfaction ratio of every commune (``svyby(..., svyratio)``),
replicate-weight variance with 50 replicates (a delete-a-group jackknife whose groups are a
column of the CSV, so R builds the very same replicate weights; Kott 2001) for the first
five items overall and by sex, the Rao–Wu bootstrap weights (50 replicates; R's
``subbootstrap``, timed only: the draws differ), and the joint rank intervals of the 200
communes' pooled ratios (Klein, Wright & Wieczorek 2020; R has no function for them, so the R
script spells out the same formula).
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.design import Design  # noqa: E402  (the repository root is added above)
from analysis.estimation import estimate_means  # noqa: E402
from analysis.margins import Margin  # noqa: E402
from analysis.raking import rake  # noqa: E402
from analysis.ranking import rank_intervals  # noqa: E402
from analysis.ratio import estimate_ratios, pooled_satisfaction  # noqa: E402
from analysis.replicates import (  # noqa: E402
    bootstrap_weights,
    estimate_replicated,
    replicate_weights_from,
)
from analysis.sipas import satisfaction_index  # noqa: E402
from analysis.weighting import design_weights  # noqa: E402

SEED = 20211025
REPLICATES = 50
# R's svyby copies the replicate design per domain: five items keep its run to minutes.
REPLICATED_ITEMS = 5
EXTRAS = ("pooled_ratio_by_commune", "replicate_se", "bootstrap_weights", "rank_intervals")
FIELDS = (
    "ho_tich",
    "chung_thuc",
    "ldtbxh",
    "dat_dai",
    "xay_dung",
    "nong_nghiep",
    "van_hoa",
    "giao_duc",
    "tu_phap",
    "khac",
)
SEX_SHARES = {"1": 0.47, "2": 0.53}
AGE_SHARES = {"1": 0.12, "2": 0.24, "3": 0.30, "4": 0.22, "5": 0.12}
SAMPLE_FIELD_SHARES = (0.3, 0.15, 0.1, 0.12, 0.08, 0.06, 0.06, 0.05, 0.04, 0.04)
FIELD_SHARES = dict(
    zip(FIELDS, (0.22, 0.15, 0.12, 0.14, 0.08, 0.07, 0.05, 0.05, 0.04, 0.08), strict=True)
)


def generate(rows: int, communes: int, items: int, out: Path) -> None:
    """Write responses.csv and margins.csv (population counts of sex, age group, field)."""
    rng = np.random.default_rng(SEED)
    names = np.array([f"c{h:03d}" for h in range(1, communes + 1)])
    size = rng.gamma(4.0, 1.0, communes)
    commune = rng.choice(communes, rows, p=size / size.sum())
    sampled = np.bincount(commune, minlength=communes)
    transactions = np.ceil(sampled * rng.uniform(1.5, 8.0, communes)).astype(np.int64)
    # The sample over-represents men, the middle ages and civil status: raking corrects it.
    responses = pd.DataFrame(
        {
            "unit_code": names[commune],
            "transactions": transactions[commune],
            "sex": rng.choice(["1", "2"], rows, p=[0.55, 0.45]),
            "age_group": rng.choice(list(AGE_SHARES), rows, p=[0.08, 0.2, 0.4, 0.22, 0.1]),
            "field": rng.choice(FIELDS, rows, p=SAMPLE_FIELD_SHARES),
        }
    )
    lean = rng.normal(0.3, 0.3, communes)
    for k in range(1, items + 1):
        logits = np.outer(lean * (0.6 + k / items), np.arange(1, 6))
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
        draws = rng.random(rows)
        scores = 1.0 + (draws[:, None] > cumulative[commune, :4]).sum(axis=1)
        scores[rng.random(rows) < 0.02 + 0.1 * k / items] = np.nan
        responses[f"q{k:02d}"] = scores
    # Random groups of the delete-a-group jackknife (Kott 2001), shared with R through the CSV.
    responses["rep_group"] = rng.integers(1, REPLICATES + 1, rows)
    responses.to_csv(out / "responses.csv", index=False)
    total = float(transactions[sampled > 0].sum())
    known = {"sex": SEX_SHARES, "age_group": AGE_SHARES, "field": FIELD_SHARES}
    margins = [
        (variable, level, share * total)
        for variable, shares in known.items()
        for level, share in shares.items()
    ]
    pd.DataFrame(margins, columns=["variable", "level", "target"]).to_csv(
        out / "margins.csv", index=False
    )


def run_python(out: Path) -> dict[str, float]:
    """The timed pipeline (run in a fresh process by ``--child``); writes py_estimates.csv."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    responses = pd.read_csv(out / "responses.csv", dtype={"sex": str, "age_group": str})
    margins_table = pd.read_csv(out / "margins.csv", dtype=str)
    timings["read_csv"] = time.perf_counter() - start
    population = responses.groupby("unit_code")["transactions"].first().to_dict()
    margins = [
        Margin(variable, dict(zip(group["level"], group["target"].astype(float), strict=True)))
        for variable, group in margins_table.groupby("variable", sort=False)
    ]
    items = [name for name in responses.columns if name.startswith("q")]

    start = time.perf_counter()
    base = design_weights(responses, population, stratum="unit_code")
    timings["design_weights"] = time.perf_counter() - start

    start = time.perf_counter()
    raked = rake(responses, base, margins, tolerance=1e-10)
    timings["rake"] = time.perf_counter() - start
    weighted = responses.assign(weight=raked.weights.to_numpy())
    design = Design(strata="unit_code", fpc="transactions")

    start = time.perf_counter()
    means = estimate_means(weighted, items, design, by="unit_code")
    timings["means_by_commune"] = time.perf_counter() - start

    start = time.perf_counter()
    satisfaction_index(weighted, dict.fromkeys(items, "all"), design, by="unit_code")
    timings["sipas_index_by_commune"] = time.perf_counter() - start

    means[["unit_code", "variable", "estimate", "se"]].to_csv(out / "py_estimates.csv", index=False)
    pd.DataFrame({"weight": raked.weights.to_numpy()}).to_csv(out / "py_weights.csv", index=False)
    timings["rake_sweeps"] = raked.report.iterations
    timings |= run_extras(weighted, items, design, out)
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return timings


def run_extras(
    weighted: pd.DataFrame, items: list[str], design: Design, out: Path
) -> dict[str, float]:
    """Ratio, replicate variance and rank intervals on the raked weights; writes py_extras_*."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    pooled = pooled_satisfaction(weighted, items, design, by="unit_code", interval="normal")
    timings["pooled_ratio_by_commune"] = time.perf_counter() - start

    start = time.perf_counter()
    group = weighted["rep_group"].to_numpy()
    weight = weighted["weight"].to_numpy()
    kept = group[:, None] != np.arange(1, REPLICATES + 1)[None, :]
    matrix = weight[:, None] * kept * (REPLICATES / (REPLICATES - 1))
    jackknife = replicate_weights_from(weight, matrix, scale=(REPLICATES - 1) / REPLICATES)
    replicated = pd.concat(
        [
            estimate_replicated(weighted, items[:REPLICATED_ITEMS], jackknife).assign(sex="all"),
            estimate_replicated(weighted, items[:REPLICATED_ITEMS], jackknife, by="sex"),
        ],
        ignore_index=True,
    )
    timings["replicate_se"] = time.perf_counter() - start

    start = time.perf_counter()
    bootstrap_weights(weighted, design, REPLICATES, rng=np.random.default_rng(SEED))
    timings["bootstrap_weights"] = time.perf_counter() - start

    start = time.perf_counter()
    ranks = rank_intervals(
        pooled.set_index("unit_code")["estimate"], pooled.set_index("unit_code")["se"]
    )
    timings["rank_intervals"] = time.perf_counter() - start

    pooled[["unit_code", "estimate", "se"]].to_csv(out / "py_extras_ratio.csv", index=False)
    replicated[["sex", "variable", "estimate", "se"]].to_csv(
        out / "py_extras_replicates.csv", index=False
    )
    ranks.reset_index().astype({"rank": int, "rank_low": int, "rank_high": int})[
        ["unit_code", "rank", "rank_low", "rank_high"]
    ].to_csv(out / "py_extras_ranks.csv", index=False)
    return timings


def run_samplics(out: Path, rows: int) -> None:
    """Time samplics (if installed) beside us on the first ``rows`` responses: the pooled
    ratio by commune (TaylorEstimator) and the jackknife means by sex (ReplicateEstimator)."""
    try:
        import samplics  # type: ignore[import-not-found]  # optional, benchmarks only
    except ImportError:
        print("\nsamplics not installed (pip install samplics): skipping that comparison")
        return
    weighted = pd.read_csv(out / "responses.csv", dtype={"sex": str}, nrows=rows)
    weighted["weight"] = pd.read_csv(out / "py_weights.csv", nrows=rows)["weight"].to_numpy()
    items = [name for name in weighted.columns if name.startswith("q")]
    design = Design(strata="unit_code", fpc="transactions")
    scores = weighted[items].to_numpy()
    valid = (~np.isnan(scores)).sum(axis=1).astype(float)
    satisfied = (np.nan_to_num(scores) >= 4).sum(axis=1).astype(float)
    weighted["valid"] = np.where(valid == 0, np.nan, valid)
    weighted["satisfied"] = np.where(valid == 0, np.nan, satisfied)
    sampled = weighted.groupby("unit_code").size()
    fpc = (1 - sampled / weighted.groupby("unit_code")["transactions"].first()).to_dict()
    group = weighted["rep_group"].to_numpy()
    weight = weighted["weight"].to_numpy()
    kept = group[:, None] != np.arange(1, REPLICATES + 1)[None, :]
    matrix = weight[:, None] * kept * (REPLICATES / (REPLICATES - 1))
    scale = (REPLICATES - 1) / REPLICATES
    timings: dict[str, tuple[float, float, float]] = {}

    start = time.perf_counter()
    ours = estimate_ratios(weighted, "satisfied", "valid", design, by="unit_code")
    own = time.perf_counter() - start
    start = time.perf_counter()
    taylor = samplics.TaylorEstimator(samplics.PopParam.ratio)
    present = weighted["valid"].notna().to_numpy()
    taylor.estimate(
        y=weighted["satisfied"][present],
        x=weighted["valid"][present],
        samp_weight=weighted["weight"][present],
        stratum=weighted["unit_code"][present],
        fpc=fpc,
        domain=weighted["unit_code"][present],
    )
    theirs = time.perf_counter() - start
    se = ours.set_index("unit_code")["se"]
    difference = max(abs(se[key] / value - 1) for key, value in taylor.stderror.items())
    timings["pooled ratio by commune"] = (theirs, own, difference)

    start = time.perf_counter()
    jackknife = replicate_weights_from(weight, matrix, scale=scale)
    ours = estimate_replicated(weighted, items[0], jackknife, by="sex")
    own = time.perf_counter() - start
    start = time.perf_counter()
    replicated = samplics.ReplicateEstimator(samplics.RepMethod.jackknife, samplics.PopParam.mean)
    answered = weighted[items[0]].notna().to_numpy()
    replicated.estimate(
        y=weighted[items[0]].to_numpy()[answered],
        samp_weight=weight[answered],
        rep_weights=matrix[answered],
        rep_coefs=scale,
        domain=weighted["sex"].to_numpy()[answered],
    )
    theirs = time.perf_counter() - start
    se = ours.set_index("sex")["se"]
    difference = max(abs(se[key] / value - 1) for key, value in replicated.stderror.items())
    timings["jackknife mean by sex"] = (theirs, own, difference)

    print(f"\nsamplics {samplics.__version__} on the first {rows:,} responses")
    for name, (theirs, own, difference) in timings.items():
        print(
            f"  {name:<24} samplics {theirs:8.3f} s   Python {own:7.3f} s   "
            f"{theirs / own:7.1f}x   largest SE difference {difference:.1e}"
        )


def largest(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs) / np.abs(theirs)))


def compare_extras(out: Path) -> dict[str, float]:
    """Largest relative differences of the extras, and the rank bounds that differ."""
    differences = {}
    for name, keys in (("ratio", ["unit_code"]), ("replicates", ["sex", "variable"])):
        ours = pd.read_csv(out / f"py_extras_{name}.csv", dtype={"sex": str})
        theirs = pd.read_csv(out / f"r_extras_{name}.csv", dtype={"sex": str})
        merged = ours.merge(theirs, on=keys, suffixes=("", "_r"), validate="1:1")
        if len(merged) != len(ours):
            raise SystemExit(f"R gave {len(theirs)} {name} rows, Python {len(ours)}")
        for column in ("estimate", "se"):
            differences[f"{name} {column}"] = largest(
                merged[column].to_numpy(), merged[f"{column}_r"].to_numpy()
            )
    ours = pd.read_csv(out / "py_extras_ranks.csv")
    theirs = pd.read_csv(out / "r_extras_ranks.csv")
    merged = ours.merge(theirs, on="unit_code", suffixes=("", "_r"), validate="1:1")
    differing = sum(
        int((merged[column] != merged[f"{column}_r"]).sum())
        for column in ("rank", "rank_low", "rank_high")
    )
    differences["rank bounds differing"] = float(differing)
    return differences


def compare(out: Path) -> dict[str, float]:
    ours = pd.read_csv(out / "py_estimates.csv")
    theirs = pd.read_csv(out / "r_estimates.csv")
    merged = ours.merge(theirs, on=["unit_code", "variable"], suffixes=("", "_r"), validate="1:1")
    if len(merged) != len(ours):
        raise SystemExit(f"R returned {len(theirs)} estimates, Python {len(ours)}")
    weights = pd.read_csv(out / "py_weights.csv")["weight"].to_numpy()
    r_weights = pd.read_csv(out / "r_weights.csv")["weight"].to_numpy()
    return {
        "weights": largest(weights, r_weights),
        "estimates": largest(merged["estimate"].to_numpy(), merged["estimate_r"].to_numpy()),
        "standard_errors": largest(merged["se"].to_numpy(), merged["se_r"].to_numpy()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=200)
    parser.add_argument("--items", type=int, default=25)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--skip-r", action="store_true", help="time the Python side only")
    parser.add_argument(
        "--samplics-rows",
        type=int,
        default=100_000,
        help="rows for the samplics comparison (0: skip; it is slow on many domains)",
    )
    parser.add_argument(
        "--parts",
        default="base,extras",
        help="R parts to run: base (svyby of every item: minutes), extras, or both",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_python(args.out)))
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    generate(args.rows, args.communes, args.items, args.out)
    print(
        f"generated {args.rows:,} responses, {args.communes} communes, {args.items} items "
        f"in {time.perf_counter() - start:.1f} s -> {args.out / 'responses.csv'}"
    )
    child = subprocess.run(
        [sys.executable, __file__, "--child", "--out", str(args.out)],
        check=True,
        capture_output=True,
        text=True,
    )
    python = json.loads(child.stdout)
    pipeline = ("design_weights", "rake", "means_by_commune")
    python_total = sum(python[step] for step in pipeline)
    print("\nPython (fresh process)")
    for step in ("read_csv", *pipeline, "sipas_index_by_commune"):
        print(f"  {step:<24} {python[step]:8.3f} s")
    print(f"  {'pipeline total':<24} {python_total:8.3f} s   (weights + rake + means)")
    print(f"  raking sweeps {int(python['rake_sweeps'])}, peak RSS {python['peak_rss_mb']:.0f} MB")
    for step in EXTRAS:
        print(f"  {step:<24} {python[step]:8.3f} s")
    parts = set(args.parts.split(","))
    if args.samplics_rows:
        run_samplics(args.out, min(args.samplics_rows, args.rows))

    if args.skip_r:
        return 0
    if shutil.which("Rscript") is None:
        print(
            "\nRscript not found: install R and the survey package to compare "
            "(Debian/Ubuntu: apt-get install r-base-core r-cran-survey). Skipping the R part."
        )
        return 0
    script = Path(__file__).with_suffix(".R")
    r_run = subprocess.run(
        ["Rscript", str(script), str(args.out), ",".join(sorted(parts))],
        check=True,
        capture_output=True,
        text=True,
    )
    r = json.loads(r_run.stdout.strip().splitlines()[-1])
    print(f"\nR {r['r_version']} / survey {r['survey_version']}")
    for step in ("read_csv", "design_weights", "rake"):
        print(f"  {step:<24} {r[step]:8.3f} s")
    if "base" in parts:
        r_total = sum(r[step] for step in pipeline)
        print(f"  {'means_by_commune':<24} {r['means_by_commune']:8.3f} s")
        print(f"  {'pipeline total':<24} {r_total:8.3f} s")
        differences = compare(args.out)
        print("\nlargest relative difference, Python vs R")
        for name, value in differences.items():
            print(f"  {name:<24} {value:.2e}")
        print(f"\nspeed ratio (R / Python, pipeline): {r_total / python_total:.1f}x")
    if "extras" in parts:
        print()
        for step in EXTRAS:
            ratio = r[step] / python[step]
            print(f"  {step:<24} R {r[step]:8.3f} s   Python {python[step]:7.3f} s   {ratio:7.1f}x")
        print("largest relative difference, Python vs R (extras)")
        for name, value in compare_extras(args.out).items():
            print(f"  {name:<24} {value:.2e}")
    print(f"R peak RSS {r['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
from analysis.sipas import satisfaction_index  # noqa: E402
from analysis.weighting import design_weights  # noqa: E402

SEED = 20211025
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
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return timings


def compare(out: Path) -> dict[str, float]:
    ours = pd.read_csv(out / "py_estimates.csv")
    theirs = pd.read_csv(out / "r_estimates.csv")
    merged = ours.merge(theirs, on=["unit_code", "variable"], suffixes=("", "_r"), validate="1:1")
    if len(merged) != len(ours):
        raise SystemExit(f"R returned {len(theirs)} estimates, Python {len(ours)}")
    weights = pd.read_csv(out / "py_weights.csv")["weight"].to_numpy()
    r_weights = pd.read_csv(out / "r_weights.csv")["weight"].to_numpy()

    def largest(ours_: np.ndarray, theirs_: np.ndarray) -> float:
        return float(np.max(np.abs(ours_ - theirs_) / np.abs(theirs_)))

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
        ["Rscript", str(script), str(args.out)], check=True, capture_output=True, text=True
    )
    r = json.loads(r_run.stdout.strip().splitlines()[-1])
    r_total = sum(r[step] for step in pipeline)
    print(f"\nR {r['r_version']} / survey {r['survey_version']}")
    for step in ("read_csv", *pipeline):
        print(f"  {step:<24} {r[step]:8.3f} s")
    print(f"  {'pipeline total':<24} {r_total:8.3f} s   peak RSS {r['peak_rss_mb']:.0f} MB")
    differences = compare(args.out)
    print("\nlargest relative difference, Python vs R")
    for name, value in differences.items():
        print(f"  {name:<24} {value:.2e}")
    print(f"\nspeed ratio (R / Python, pipeline): {r_total / python_total:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

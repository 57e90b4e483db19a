"""Command line: ``python -m analysis targets|weights|estimate ...`` (see analysis/README.md).

One small function per sub-command (``add_<name>_parser`` + ``run_<name>``), registered in
:func:`build_parser`. Bad input ends with exit code 2 and a one-line message, no traceback.
"""

# Annotations stay strings: argparse._SubParsersAction is not subscriptable at run time on 3.11.
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import get_args

import pandas as pd

from analysis.codebook import read_codebook
from analysis.columns import TRANSACTIONS, UNIT, WEIGHT
from analysis.design import Design, LonelyPsu
from analysis.design_file import WeightingDesign, read_design, read_table
from analysis.errors import AnalysisError
from analysis.quotas import field_targets, sex_age_targets
from analysis.recode import SATISFIED_THRESHOLD
from analysis.sampling import METHODS, unit_targets
from analysis.sipas import MIN_N
from analysis.sipas_report import ReportOptions, calibration_from_design, report_satisfaction
from analysis.units import field_counts, unit_totals
from analysis.weighting_chain import run_weighting

EXIT_BAD_INPUT = 2


def _kind_limit(text: str) -> tuple[str, int]:
    """Parse KIND=N (e.g. xa=150) for --floor and --cap."""
    kind, _, number = text.partition("=")
    if not kind or not number.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected KIND=N such as xa=150, got {text!r}")
    return kind.strip(), int(number)


def _write_csv(table: pd.DataFrame, path: str) -> None:
    if path == "-":
        table.to_csv(sys.stdout, index=False)
    else:
        table.to_csv(path, index=False)


# --- targets -------------------------------------------------------------------------------


def add_targets_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "targets",
        help="sample size per unit (and quota cells) from the units/transactions CSV",
    )
    parser.add_argument(
        "units", help="units/transactions CSV (unit_code, kind, transactions, field)"
    )
    parser.add_argument("--method", choices=METHODS, default="slovin")
    parser.add_argument("--error", type=float, default=0.05, help="margin of error e (0.05)")
    parser.add_argument("--confidence", type=float, default=0.95, help="Cochran only (0.95)")
    parser.add_argument("-p", "--proportion", type=float, default=0.5, help="expected p (0.5)")
    parser.add_argument(
        "--floor",
        type=_kind_limit,
        action="append",
        default=[],
        metavar="KIND=N",
        help="minimum sample size for a unit kind, repeatable (e.g. --floor xa=150)",
    )
    parser.add_argument(
        "--cap",
        type=_kind_limit,
        action="append",
        default=[],
        metavar="KIND=N",
        help="maximum sample size for a unit kind, repeatable",
    )
    parser.add_argument("--out", default="-", help="unit targets CSV (default: stdout)")
    parser.add_argument("--field-cells", help="write per-field quota cells to this CSV")
    parser.add_argument(
        "--sex-age-shares", help="CSV of sex, age_group, share [, unit_code] to split targets by"
    )
    parser.add_argument("--sex-age-cells", help="write sex × age quota cells to this CSV")
    parser.set_defaults(run=run_targets)


def run_targets(args: argparse.Namespace) -> int:
    units = read_table(Path(args.units), "units")
    targets = unit_targets(
        units,
        method=args.method,
        e=args.error,
        confidence=args.confidence,
        p=args.proportion,
        floors=dict(args.floor),
        caps=dict(args.cap),
    )
    _write_csv(targets, args.out)
    if args.field_cells:
        _write_csv(field_targets(targets, field_counts(units)), args.field_cells)
    if bool(args.sex_age_shares) != bool(args.sex_age_cells):
        raise AnalysisError("give --sex-age-shares and --sex-age-cells together")
    if args.sex_age_shares:
        shares = read_table(Path(args.sex_age_shares), "sex × age shares")
        _write_csv(sex_age_targets(targets, shares), args.sex_age_cells)
    return 0


# --- weights -------------------------------------------------------------------------------


def add_weights_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "weights", help="weight the responses as a design file says; write weights and a report"
    )
    parser.add_argument("responses", help="raw responses CSV (the collection service's export)")
    parser.add_argument("design", help="design file (TOML), see analysis/README.md")
    parser.add_argument("--out", required=True, help="responses CSV with a weight column")
    parser.add_argument("--report", required=True, help="JSON report of steps and parameters")
    parser.set_defaults(run=run_weights)


def run_weights(args: argparse.Namespace) -> int:
    responses = read_table(Path(args.responses), "responses")
    run = run_weighting(responses, read_design(args.design))
    responses.drop(columns=[WEIGHT], errors="ignore").assign(
        **{WEIGHT: run.weights.to_numpy()}
    ).to_csv(args.out, index=False)
    report = {"responses": args.responses, "output": args.out, **run.report}
    text = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False)
    Path(args.report).write_text(text + "\n", encoding="utf-8")
    return 0


# --- estimate ------------------------------------------------------------------------------


def add_estimate_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "estimate",
        help="SIPAS index per item, factor and unit with SEs, CIs and flags, from weighted "
        "responses",
    )
    parser.add_argument("responses", help="weighted responses CSV (the weights command's --out)")
    parser.add_argument("questionnaire", help="questionnaire TOML the responses answered")
    parser.add_argument("--out", required=True, help="index table CSV")
    parser.add_argument("--report", required=True, help="JSON: tables and the method block")
    parser.add_argument("--weight-column", default=WEIGHT, help=f"weights (default {WEIGHT})")
    strata = parser.add_mutually_exclusive_group()
    strata.add_argument(
        "--design", help="weighting design file: strata and N_h from its [design] section"
    )
    strata.add_argument("--strata", default=UNIT, help=f"stratum column (default {UNIT})")
    population = parser.add_mutually_exclusive_group()
    population.add_argument("--units", help="units/transactions CSV: N_h for the FPC")
    population.add_argument("--population-column", help="responses column holding N_h")
    parser.add_argument("--psu", help="cluster column (default: each response is a PSU)")
    parser.add_argument(
        "--by", action="append", default=[], help="report per value of this column, repeatable"
    )
    parser.add_argument("--threshold", type=float, default=SATISFIED_THRESHOLD)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--min-n", type=int, default=MIN_N, help="flag smaller cells (30)")
    parser.add_argument("--missing", choices=("propagate", "skip"), default="propagate")
    parser.add_argument("--lonely-psu", choices=get_args(LonelyPsu), default="fail")
    parser.add_argument(
        "--calibrated-se",
        action="store_true",
        help="SEs that reflect the --design file's raking/calibration (GREG residuals)",
    )
    parser.add_argument("--weighting-report", help="the weights command's JSON, for the record")
    parser.set_defaults(run=run_estimate)


def _estimation_design(
    args: argparse.Namespace,
) -> tuple[Design, WeightingDesign | None, dict[str, str | None]]:
    """The Design the options describe, the design file (if any) and where N_h came from."""
    weighting = read_design(args.design) if args.design else None
    fpc: str | dict[str, float] | None = args.population_column
    source = {"fpc_source": None if fpc is None else f"column {fpc}"}
    if args.units:
        totals = unit_totals(read_table(Path(args.units), "units"))
        fpc = dict(zip(totals[UNIT], totals[TRANSACTIONS].astype(float), strict=True))
        source = {"fpc_source": args.units}
    if weighting is not None and fpc is None:
        fpc = dict(weighting.population)
        source = {"fpc_source": f"{args.design} [design] population"}
    design = Design(
        weights=args.weight_column,
        strata=weighting.stratum if weighting is not None else args.strata,
        psu=args.psu,
        fpc=fpc,
        lonely_psu=args.lonely_psu,
    )
    return design, weighting, source


def run_estimate(args: argparse.Namespace) -> int:
    responses = read_table(Path(args.responses), "responses")
    codebook = read_codebook(args.questionnaire)
    design, weighting, provenance = _estimation_design(args)
    if args.calibrated_se and weighting is None:
        raise AnalysisError("--calibrated-se needs --design (the weighting design file)")
    calibration = (
        calibration_from_design(responses, weighting)
        if args.calibrated_se and weighting is not None
        else None
    )
    weighting_report = (
        json.loads(Path(args.weighting_report).read_text()) if args.weighting_report else None
    )
    report = report_satisfaction(
        responses,
        codebook,
        design,
        ReportOptions(
            by=tuple(args.by),
            threshold=args.threshold,
            confidence=args.confidence,
            min_n=args.min_n,
            missing=args.missing,
        ),
        calibration=calibration,
        provenance={
            "inputs": {
                "responses": args.responses,
                "questionnaire": args.questionnaire,
                "design_file": args.design,
                **provenance,
            },
            "weighting": weighting_report,
        },
    )
    _write_csv(report.index, args.out)
    Path(args.report).write_text(
        json.dumps(report.document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis", description="SIPAS survey sampling, weighting and estimation"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_targets_parser(commands)
    add_weights_parser(commands)
    add_estimate_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; return its exit code (2 with a one-line message on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except (AnalysisError, OSError) as error:
        message = " ".join(str(error).split())
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code

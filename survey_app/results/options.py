"""How results are computed: weighting adjustment, trimming, cut-off, small-sample policy.

Defaults come from the config (``RESULTS_WEIGHTING``, then ``RESULTS_ROUND_WEIGHTING`` for the
round), and a request may override the weighting and the cut-off. Every value is checked here,
so a tampered query string gets a clear 400 message rather than a stack trace.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from survey_app.bounds import OutOfBounds, parse_date
from survey_app.local_time import service_zone

#: Weighting after the design weights N_h/n_h: none, post-stratification to each unit's own
#: transaction mix by procedure field, or raking to unit totals and the district field mix.
ADJUSTMENTS: Final = ("none", "poststratify", "rake")
SMALL_N_POLICIES: Final = ("flag", "suppress")
#: Query parameters the results pages accept (anything else is refused as tampering).
OPTION_PARAMETERS: Final = ("adjustment", "trim_lower", "trim_upper", "cutoff")

ADJUSTMENT_LABELS: Final = {
    "none": "Chỉ trọng số thiết kế N_h/n_h",
    "poststratify": "Hậu phân tầng theo lĩnh vực trong từng đơn vị",
    "rake": "Hiệu chỉnh lặp theo tổng đơn vị và cơ cấu lĩnh vực",
}


def day_start(day: dt.date) -> dt.datetime:
    """The UTC moment a calendar day of the service's zone (config TIMEZONE) begins.

    Staff dates (cut-off, export ranges) are local days, as on the monitoring dashboard.
    """
    return dt.datetime.combine(day, dt.time(), service_zone()).astimezone(dt.UTC)


class OptionsProblem(ValueError):
    """An option that cannot be used as given; the message names it and says what is allowed."""


@dataclass(frozen=True)
class WeightingOptions:
    """The weighting steps after the design weights.

    ``trim_lower``/``trim_upper`` are multiples of the mean weight (e.g. 0.3 and 3.5); trimming
    is strict (repeated until every weight is within the bounds, the excess redistributed).
    ``min_cell``: weighting cells with fewer respondents (or no transactions) are pooled with
    the largest cell of the same unit (post-stratification) or the largest field (raking).
    """

    adjustment: str = "rake"
    trim_lower: float | None = None
    trim_upper: float | None = None
    min_cell: int = 5


@dataclass(frozen=True)
class ResultsOptions:
    """Everything that determines a results table, so the same options give the same numbers.

    ``cutoff``: include responses submitted up to the end of this local date; None = all.
    ``min_n``: estimates resting on fewer respondents are flagged or suppressed
    (``small_n_policy``). ``missing``: how a unit index treats a factor without answers
    ("skip": averaged over the factors that have answers; "propagate": left empty).
    """

    weighting: WeightingOptions = WeightingOptions()
    cutoff: dt.date | None = None
    min_n: int = 30
    small_n_policy: str = "flag"
    confidence: float = 0.95
    missing: str = "skip"

    def cutoff_moment(self) -> dt.datetime | None:
        """The exclusive upper bound on submitted_at: the end of the local cut-off day."""
        if self.cutoff is None:
            return None
        return day_start(self.cutoff + dt.timedelta(days=1))

    def query(self) -> dict[str, str]:
        """The request parameters that reproduce these weighting and cut-off choices."""
        args = {"adjustment": self.weighting.adjustment}
        if self.weighting.trim_lower is not None:
            args["trim_lower"] = f"{self.weighting.trim_lower:g}"
        if self.weighting.trim_upper is not None:
            args["trim_upper"] = f"{self.weighting.trim_upper:g}"
        if self.cutoff is not None:
            args["cutoff"] = self.cutoff.isoformat()
        return args


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OptionsProblem(f"'{name}' phải là một số, nhận được {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise OptionsProblem(f"'{name}' phải là một số hữu hạn, nhận được {str(value)[:40]!r}")
    return number


def _weighting(settings: Mapping[str, Any], base: WeightingOptions) -> WeightingOptions:
    unknown = set(settings) - {"adjustment", "trim_lower", "trim_upper", "min_cell"}
    if unknown:
        raise OptionsProblem(
            f"cấu hình gia quyền không biết: {sorted(unknown)}; "
            "dùng adjustment, trim_lower, trim_upper, min_cell"
        )
    options = base
    if "adjustment" in settings:
        adjustment = str(settings["adjustment"])
        if adjustment not in ADJUSTMENTS:
            raise OptionsProblem(
                f"'adjustment' không hợp lệ: {adjustment[:40]!r}; chọn một cách gia quyền: "
                + "; ".join(f"«{label}»" for label in ADJUSTMENT_LABELS.values())
            )
        options = replace(options, adjustment=adjustment)
    bounds = {
        name: None if settings[name] in (None, "") else _number(settings[name], name)
        for name in ("trim_lower", "trim_upper")
        if name in settings
    }
    if "trim_lower" in bounds:
        options = replace(options, trim_lower=bounds["trim_lower"])
    if "trim_upper" in bounds:
        options = replace(options, trim_upper=bounds["trim_upper"])
    if "min_cell" in settings:
        min_cell = _number(settings["min_cell"], "min_cell")
        if min_cell < 1 or not min_cell.is_integer():
            raise OptionsProblem("'min_cell' phải là số nguyên phiếu, ít nhất 1")
        options = replace(options, min_cell=int(min_cell))
    lower, upper = options.trim_lower, options.trim_upper
    # Bounds are multiples of the mean weight: the mean itself must fit between them.
    if lower is not None and not 0.0 <= lower <= 1.0:
        raise OptionsProblem(
            f"'trim_lower' là bội số của trọng số trung bình, trong [0, 1]; nhận được {lower:g}"
        )
    if upper is not None and upper < 1.0:
        raise OptionsProblem(
            f"'trim_upper' là bội số của trọng số trung bình, ít nhất 1; nhận được {upper:g}"
        )
    return options


def _date(value: str) -> dt.date:
    # Bounded (survey_app.bounds): the end of 9999-12-31 would overflow a datetime.
    try:
        return parse_date(value, "cutoff")
    except OutOfBounds as problem:
        raise OptionsProblem(str(problem)) from None


def results_options(
    config: Mapping[str, Any], round_code: str, args: Mapping[str, str] | None = None
) -> ResultsOptions:
    """Options from the config, the round's override, then the request ``args`` (checked)."""
    policy = str(config.get("RESULTS_SMALL_N_POLICY", "flag"))
    if policy not in SMALL_N_POLICIES:
        raise OptionsProblem(
            f"cấu hình RESULTS_SMALL_N_POLICY {policy!r} không hợp lệ; dùng 'flag' hoặc 'suppress'"
        )
    min_n = int(config.get("RESULTS_MIN_N", 30))
    weighting = _weighting(config.get("RESULTS_WEIGHTING", {}), WeightingOptions())
    round_settings = config.get("RESULTS_ROUND_WEIGHTING", {}).get(round_code, {})
    weighting = _weighting(round_settings, weighting)
    cutoff = None
    if args:
        unknown = sorted(set(args) - set(OPTION_PARAMETERS))
        if unknown:
            raise OptionsProblem(
                f"tham số không được hỗ trợ: {', '.join(name[:40] for name in unknown)} "
                f"(cho phép: {', '.join(OPTION_PARAMETERS)})"
            )
        weighting = _weighting(
            {key: args[key] for key in ("adjustment", "trim_lower", "trim_upper") if key in args},
            weighting,
        )
        if args.get("cutoff"):
            cutoff = _date(args["cutoff"])
    return ResultsOptions(weighting=weighting, cutoff=cutoff, min_n=min_n, small_n_policy=policy)

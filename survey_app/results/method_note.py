"""The method note that goes with every result and export: what data, which weights, how.

DESIGN.md: an estimate records the questionnaire version, the data cut-off, the weighting
method and its parameters, so that re-running gives the same numbers. The note renders the
same facts as HTML (``items``), as lines for CSV/SAV files and as a sheet in XLSX files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from analysis import columns as col
from survey_app.formatting import day, integer, moment, number, percent, significant
from survey_app.local_time import service_zone
from survey_app.questionnaires.model import Questionnaire
from survey_app.responses.frames import Population
from survey_app.results.options import ADJUSTMENT_LABELS, ResultsOptions
from survey_app.results.weighting import WEIGHTING_CELL, RoundWeights
from survey_app.rounds.models import SurveyRound

ILLUSTRATIVE_WARNING = (
    "CẢNH BÁO: số giao dịch (N) dùng để tính trọng số là số liệu minh hoạ, không phải số liệu "
    "thật; kết quả chỉ để minh hoạ."
)
#: The label of the query string that reproduces a table: a code value, shown as code.
REPRODUCE_LABEL = "Tham số tái lập"


def _number(value: Any, digits: int = 4) -> str:
    """Vietnamese separators: a total of 699765 reads "699.765", never "7e+05" or "699765"."""
    return significant(value, digits)


STEP_LABELS = {
    "rake": "Hiệu chỉnh lặp theo các tổng biên",
    "poststratify": "Hậu phân tầng",
    "linear": "Hiệu chỉnh tuyến tính theo các tổng biên",
}
#: The weighting margins' columns as a reader knows them.
MARGIN_LABELS = {
    col.UNIT: "đơn vị",
    col.FIELD: "lĩnh vực",
    WEIGHTING_CELL: "đơn vị × lĩnh vực",
}


def describe_steps(report: Mapping[str, Any]) -> list[str]:
    """One human-readable line per weighting step of a ``run_weighting`` report."""
    lines = []
    for step in report.get("steps", []):
        kind = step.get("step")
        if kind == "design":
            unsampled = step.get("strata_without_respondents", [])
            lines.append(
                f"Trọng số thiết kế N_h/n_h theo đơn vị: "
                f"{integer(step['strata_with_respondents'])} đơn vị có phiếu"
                + (f", {integer(len(unsampled))} đơn vị chưa có phiếu" if unsampled else "")
                + f"; Kish deff {_number(step['kish_deff'])}"
            )
        elif kind in ("rake", "poststratify", "linear"):
            margins = ", ".join(
                f"{' × '.join(MARGIN_LABELS.get(c, c) for c in m['columns'])} "
                f"({integer(m['levels'])} mức, tổng {integer(m['total'])})"
                for m in step.get("margins", [])
            )
            pooled = sum(len(levels) for levels in step.get("collapse", {}).values())
            text = STEP_LABELS.get(kind, STEP_LABELS["poststratify"])
            line = f"{text}: {margins}; gộp {integer(pooled)} ô thưa vào ô lớn nhất"
            if kind == "rake":
                line += (
                    f"; {integer(step['iterations'])} vòng lặp, "
                    f"{'đã hội tụ' if step['converged'] else 'chưa hội tụ'}"
                    f" (dung sai {_number(step['tolerance'], 2)}, sai lệch biên lớn nhất "
                    f"{_number(step['max_margin_deviation'], 2)})"
                )
            lines.append(line + f"; Kish deff {_number(step['kish_deff'])}")
        elif kind == "trim":
            outside = "; ".join(integer(count) for count in step.get("outside_per_pass", []))
            lines.append(
                f"Cắt tỉa trọng số về [{_number(step['lower'])}; "
                f"{_number(step['upper'])}], phân bổ lại phần dư; {integer(step['passes'])} lượt, "
                f"số trọng số ngoài biên mỗi lượt: {outside or '0'}; "
                f"Kish deff {_number(step['kish_deff'])}"
            )
    summary = report.get("summary")
    if summary:
        lines.append(
            f"Trọng số cuối: n = {integer(summary['n'])}; "
            f"tổng {integer(summary['sum'])}; "
            f"nhỏ nhất {_number(summary['min'])}; lớn nhất {_number(summary['max'])}; "
            f"Kish deff {_number(summary['kish_deff'])}; cỡ mẫu hiệu dụng "
            f"{number(summary['effective_sample_size'], 1)}"
        )
    return lines


@dataclass(frozen=True)
class MethodNote:
    """Everything needed to reproduce a results table or an export's weights."""

    round_code: str
    round_title: str
    form_id: str
    form_version: str
    questionnaire_sha256: str
    period_start: dt.date
    period_end: dt.date
    options: ResultsOptions
    responses: int
    latest_submitted_at: dt.datetime | None
    weighting_steps: tuple[str, ...]
    weights_error: str | None
    kish_deff: float | None
    survey_deff: tuple[float, float, float] | None
    interval: str | None
    illustrative: bool
    count_sources: tuple[str, ...]
    extra: tuple[tuple[str, str], ...] = field(default=())

    def items(self) -> list[tuple[str, str]]:
        """(label, value) pairs, in reading order."""
        options = self.options
        weighting = options.weighting
        trim = "không cắt tỉa"
        if weighting.trim_lower is not None or weighting.trim_upper is not None:
            trim = (
                f"[{_number(weighting.trim_lower)}; {_number(weighting.trim_upper)}]"
                " × trọng số trung bình, lặp đến khi đạt"
            )
        cutoff = (
            f"đến hết ngày {day(options.cutoff)} (giờ địa phương, {service_zone().key})"
            if options.cutoff
            else "toàn bộ phiếu đã nhận"
        )
        latest = moment(self.latest_submitted_at)
        items: list[tuple[str, str]] = []
        if self.illustrative:
            items.append(("Cảnh báo", ILLUSTRATIVE_WARNING))
        items += [
            ("Đợt khảo sát", f"{self.round_code} — {self.round_title}"),
            (
                "Bảng hỏi",
                f"{self.form_id} phiên bản {self.form_version} "
                f"(sha256 {self.questionnaire_sha256[:12]})",
            ),
            ("Mốc dữ liệu", cutoff),
            ("Phiếu được tính", integer(self.responses)),
            ("Phiếu mới nhất được tính", latest),
            (
                "Tổng thể N",
                f"số giao dịch từ {day(self.period_start)} đến {day(self.period_end)}"
                + (f"; nguồn: {'; '.join(self.count_sources)}" if self.count_sources else ""),
            ),
            (
                "Gia quyền",
                f"{ADJUSTMENT_LABELS[weighting.adjustment]} "
                f"(gộp ô dưới {integer(weighting.min_cell)} phiếu)",
            ),
            ("Cắt tỉa trọng số", trim),
        ]
        if self.weights_error:
            items.append(("Trọng số không tính được", self.weights_error))
        items += [(f"Bước {i}", step) for i, step in enumerate(self.weighting_steps, start=1)]
        items.append(("Hệ số thiết kế Kish (Kish deff)", _number(self.kish_deff)))
        if self.interval is not None:
            items += self._estimate_items()
        items += [
            (REPRODUCE_LABEL, _query_text(options.query())),
            *self.extra,
        ]
        return items

    def _estimate_items(self) -> list[tuple[str, str]]:
        options = self.options
        return [
            (
                "Hệ số thiết kế khảo sát (deff, chỉ số từng câu, toàn bộ)",
                "—"
                if self.survey_deff is None
                else f"trung vị {_number(self.survey_deff[1])} "
                f"(từ {_number(self.survey_deff[0])} đến {_number(self.survey_deff[2])})",
            ),
            (
                "Chỉ số",
                "tỷ lệ hài lòng có trọng số (điểm ≥ 4 trên thang 1–5, 'không trả lời' là thiếu); "
                "nhân tố = trung bình các câu; đơn vị = trung bình các nhân tố"
                + (
                    " có câu trả lời"
                    if options.missing == "skip"
                    else " (trống nếu một nhân tố không có câu trả lời)"
                ),
            ),
            (
                "Sai số chuẩn (SE)",
                "tuyến tính hoá Taylor, phân tầng theo đơn vị, hiệu chỉnh tổng thể hữu hạn "
                "(N_h = số giao dịch)"
                + (
                    ""
                    if options.weighting.adjustment == "none"
                    else ", tính đến bước hiệu chỉnh trọng số (phần dư hồi quy)"
                )
                + "; đơn vị chỉ có 1 phiếu: lấy độ lệch so với trung bình chung "
                "(như phần mềm R)",
            ),
            (
                "Khoảng tin cậy (KTC)",
                f"{percent(options.confidence, 0)}, "
                + (
                    "thang logit, bậc tự do của thiết kế"
                    if self.interval == "logit"
                    else "phân phối chuẩn: quá ít phiếu để tính bậc tự do"
                ),
            ),
            (
                "Mẫu nhỏ",
                f"ước lượng dựa trên dưới {integer(options.min_n)} phiếu được "
                + ("đánh dấu" if options.small_n_policy == "flag" else "ẩn đi"),
            ),
        ]

    def lines(self) -> list[str]:
        return [f"{label}: {value}" for label, value in self.items()]

    def with_extra(self, extra: Sequence[tuple[str, str]]) -> MethodNote:
        """A copy with more (label, value) pairs at the end (e.g. an export's filters)."""
        return replace(self, extra=(*self.extra, *extra))


def _query_text(args: Mapping[str, str]) -> str:
    return "&".join(f"{key}={value}" for key, value in args.items())


def build_note(
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    options: ResultsOptions,
    population: Population,
    *,
    weights: RoundWeights | None,
    weights_error: str | None = None,
    responses: int,
    latest_submitted_at: dt.datetime | None,
    survey_deff: tuple[float, float, float] | None = None,
    interval: str | None = None,
) -> MethodNote:
    """The note of a results table (give ``interval``) or of an export (without it)."""
    report = weights.report if weights is not None else {}
    return MethodNote(
        round_code=survey_round.code,
        round_title=survey_round.title,
        form_id=questionnaire.form_id,
        form_version=questionnaire.version,
        questionnaire_sha256=questionnaire.source_sha256,
        period_start=survey_round.period_start,
        period_end=survey_round.period_end,
        options=options,
        responses=responses,
        latest_submitted_at=latest_submitted_at,
        weighting_steps=tuple(describe_steps(report)),
        weights_error=weights_error,
        kish_deff=report.get("summary", {}).get("kish_deff"),
        survey_deff=survey_deff,
        interval=interval,
        illustrative=population.illustrative,
        count_sources=population.sources,
    )

"""SPSS ``.sav`` export with variable labels, value labels and user-missing codes (pyreadstat).

Variable names are the question names. A select_one question whose codes are all whole
numbers becomes a numeric variable with its choices as value labels and its "no answer" codes
as user-missing values; other questions stay strings. pyreadstat writes a whole DataFrame at
once, so this export holds its rows in memory: it is capped (``EXPORT_SAV_MAX_ROWS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyreadstat

from analysis import columns as col
from survey_app.exports.formats import METADATA_LABELS
from survey_app.questionnaires.model import Question, Questionnaire

# SPSS limits, in bytes of UTF-8.
VARIABLE_LABEL_BYTES: Final = 255
VALUE_LABEL_BYTES: Final = 120
#: An SPSS document (file note) is stored as lines of at most 80 bytes.
NOTE_LINE_BYTES: Final = 80
NUMERIC_METADATA: Final = {col.RESPONSE_ID: "F10.0", col.DURATION: "F8.0", col.WEIGHT: "F12.4"}


def _clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` UTF-8 bytes without splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def note_lines(lines: Sequence[str]) -> list[str]:
    """Wrap the note into SPSS document lines of at most 80 UTF-8 bytes, at spaces."""
    wrapped: list[str] = []
    for line in lines:
        current = ""
        for word in line.split():
            while len(word.encode("utf-8")) > NOTE_LINE_BYTES:
                head = _clip(word, NOTE_LINE_BYTES)
                if current:
                    wrapped.append(current)
                    current = ""
                wrapped.append(head)
                word = word[len(head) :]
            candidate = f"{current} {word}" if current else word
            if len(candidate.encode("utf-8")) > NOTE_LINE_BYTES:
                wrapped.append(current)
                candidate = word
            current = candidate
        wrapped.append(current)
    return wrapped


def _numeric_codes(question: Question) -> bool:
    return (
        question.type == "select_one"
        and bool(question.choices)
        and all(choice.name.isdigit() for choice in question.choices)
    )


def _as_float(values: list[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def write_sav(
    path: Path,
    questionnaire: Questionnaire,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    notes: Sequence[str],
) -> int:
    """Write ``rows`` (in ``header`` order) to ``path``; return the number of rows."""
    values: list[list[Any]] = [[] for _ in header]
    count = 0
    for row in rows:
        for position, value in enumerate(row):
            values[position].append(value)
        count += 1
    questions = {question.name: question for question in questionnaire.questions}
    columns: dict[str, Any] = {}
    labels: dict[str, str | None] = {}
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    formats: dict[str, str] = {}
    for name, column in zip(header, values, strict=True):
        question = questions.get(name)
        if question is None:
            labels[name] = _clip(METADATA_LABELS.get(name, (name, name))[0], VARIABLE_LABEL_BYTES)
            if name in NUMERIC_METADATA:
                columns[name] = _as_float(column)
                formats[name] = NUMERIC_METADATA[name]
            elif name == col.SUBMITTED_AT:
                moments = pd.to_datetime(pd.Series(column, dtype="string"), utc=True)
                columns[name] = moments.dt.tz_localize(None)
            else:
                columns[name] = pd.Series(["" if v is None else str(v) for v in column])
            continue
        labels[name] = _clip(question.label.get("vi"), VARIABLE_LABEL_BYTES)
        if _numeric_codes(question):
            columns[name] = _as_float(column)
            formats[name] = "F3.0"
            value_labels[name] = {
                float(choice.name): _clip(choice.label.get("vi"), VALUE_LABEL_BYTES)
                for choice in question.choices
            }
            codes = [float(choice.name) for choice in question.choices if choice.missing]
            if codes:
                # SPSS keeps at most three discrete user-missing values per variable.
                missing[name] = codes[:3]
        elif question.type == "integer":
            columns[name] = _as_float(column)
            formats[name] = "F8.0"
        else:
            columns[name] = pd.Series(["" if v is None else str(v) for v in column])
    frame = pd.DataFrame(columns, columns=list(header))
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=_clip(f"{questionnaire.form_id} {questionnaire.version}", 64),
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_format=formats,
        note=note_lines(notes),
    )
    return count

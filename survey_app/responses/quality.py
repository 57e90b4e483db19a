"""Response quality flags computed once, when a response is stored.

Too-fast answers are not stored as a flag: they are counted from ``duration_seconds`` against
the configurable QUALITY_MIN_SECONDS when the dashboard is shown, so changing the threshold
re-classifies every response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_app.questionnaires.model import Questionnaire

#: Fewer identical answers than this are not evidence of straight-lining.
MIN_STRAIGHTLINE_ITEMS = 2


def is_straightlined(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> bool:
    """True when every scored item (an item with a SIPAS factor) the respondent answered got
    the same answer code, e.g. "5" everywhere: the respondent may not have read the items.

    Items left unanswered (not relevant, or skipped) do not count; "no answer" codes do, as
    they are answers too (all "9" is as suspicious as all "5").
    """
    given = [
        str(answers[name])
        for name in questionnaire.scored_items()
        if answers.get(name) not in (None, "", [])
    ]
    return len(given) >= MIN_STRAIGHTLINE_ITEMS and len(set(given)) == 1

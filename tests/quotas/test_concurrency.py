"""A closed quota is never overshot, however many citizens submit at the same moment.

Each thread is a separate browser: its own test client, request context, database session and
connection. The quota check is slowed down on purpose, so that without the lock every thread
would count the same "places left" before any of them inserts; with it, they queue.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from survey_app.collection import recording
from tests.factories.demo import FULL_ANSWERS, demo_link
from tests.factories.quotas import post_final, set_quota, stored

TARGET = 4
CITIZENS = 10
UNIT = "439-son-giang"


@pytest.fixture
def slow_quota_check(monkeypatch: pytest.MonkeyPatch) -> None:
    original = recording.full_quota

    def counted_then_wait(*args: Any, **kwargs: Any) -> str | None:
        result = original(*args, **kwargs)
        time.sleep(0.05)  # between the count and the insert: the race window
        return result

    monkeypatch.setattr(recording, "full_quota", counted_then_wait)


def _submit_together(app: Flask, token: str, answers: list[dict[str, Any]]) -> Counter[int]:
    start = threading.Barrier(len(answers))

    def citizen(given: dict[str, Any]) -> int:
        client = app.test_client()
        start.wait()
        return int(post_final(client, token, given).status_code)

    with ThreadPoolExecutor(len(answers)) as pool:
        return Counter(pool.map(citizen, answers))


@pytest.mark.usefixtures("slow_quota_check")
def test_unit_quota_closed_under_concurrent_submissions(any_app: Flask) -> None:
    link = demo_link(any_app, UNIT)
    set_quota(any_app, UNIT, TARGET, policy="close")
    statuses = _submit_together(any_app, link.token, [dict(FULL_ANSWERS)] * CITIZENS)
    assert statuses == {303: TARGET, 409: CITIZENS - TARGET}
    assert len(stored(any_app, UNIT)) == TARGET


@pytest.mark.usefixtures("slow_quota_check")
def test_cell_quota_closed_under_concurrent_submissions(any_app: Flask) -> None:
    link = demo_link(any_app, UNIT)
    set_quota(any_app, UNIT, None, cells={("field", "ho_tich"): 2}, policy="close")
    answers = [dict(FULL_ANSWERS, field="ho_tich")] * 6 + [dict(FULL_ANSWERS, field="dat_dai")] * 2
    statuses = _submit_together(any_app, link.token, answers)
    assert statuses == {303: 4, 409: 4}
    fields = Counter(response.field for response in stored(any_app, UNIT))
    assert fields == {"ho_tich": 2, "dat_dai": 2}


@pytest.mark.usefixtures("slow_quota_check")
def test_accept_flag_flags_exactly_the_surplus_under_concurrency(any_app: Flask) -> None:
    link = demo_link(any_app, UNIT)
    set_quota(any_app, UNIT, TARGET, policy="accept_flag")
    statuses = _submit_together(any_app, link.token, [dict(FULL_ANSWERS)] * CITIZENS)
    assert statuses == {303: CITIZENS}
    flags = Counter(response.over_quota for response in stored(any_app, UNIT))
    assert flags == {False: TARGET, True: CITIZENS - TARGET}

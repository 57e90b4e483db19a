"""Login throttling that locks out password guessers, not the account's owner.

Only failed logins (401) are counted, so any number of officers behind one commune-office NAT
can log in with their right passwords. Two counters, each with widening windows (5 failures a
minute, then 10 an hour, then 20 a day: a back-off for a guesser who waits out the first):

* per (account, client address): a guesser at one account is stopped there; the owner, from
  their own address, still logs in;
* per client address: one address trying many accounts is stopped too.

The client address is the one ProxyFix takes from ``X-Forwarded-For`` when ``TRUSTED_PROXIES``
says how many proxies are in front; without it, the proxy's own address would be the only one
seen and its users would share one counter. Counters live in ``RATELIMIT_STORAGE_URI`` (Redis
whenever more than one process serves the app, or each process would count apart).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address

from survey_app.security import limiter

V = TypeVar("V", bound=Callable[..., object])


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _per_account_and_address() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"])


def _per_address() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])


def _account_address_key() -> str:
    username = request.form.get("username", "").strip().lower()[:64]
    return f"login:{get_remote_address()}:{username}"


_account_limit = limiter.limit(
    _per_account_and_address,
    key_func=_account_address_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="login-account-address",
)
_address_limit = limiter.limit(
    _per_address, methods=["POST"], deduct_when=_failed, scope="login-address"
)


def limited(view: V) -> V:
    """Apply both login limits to the login view."""
    # Flask-Limiter's decorators keep the view's signature but are typed loosely.
    return cast(V, _address_limit(_account_limit(view)))

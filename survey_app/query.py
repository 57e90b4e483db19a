"""Reading a staff page's query string strictly: known names only, each at most once.

A tampered or mistyped URL is answered with a message naming the parameter (400, audited by
``survey_app.staff.refusals``) instead of being half-understood.
"""

from __future__ import annotations

from collections.abc import Collection

from werkzeug.datastructures import MultiDict


class QueryProblem(ValueError):
    """A query string that cannot be used; the message names the parameter and what is allowed."""


def single_values(args: MultiDict[str, str], allowed: Collection[str]) -> dict[str, str]:
    """The query parameters as a plain mapping; unknown or repeated names are refused."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise QueryProblem(
            f"tham số không được hỗ trợ: {', '.join(name[:40] for name in unknown)} "
            f"(cho phép: {', '.join(allowed)})"
        )
    repeated = sorted(name for name in args if len(args.getlist(name)) > 1)
    if repeated:
        raise QueryProblem(f"tham số lặp lại: {', '.join(repeated)}; mỗi tham số chỉ một lần")
    return {name: args[name] for name in args}

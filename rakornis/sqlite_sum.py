"""An exact SUM() for SQLite, the development and test database.

SQLite's own SUM() stops with "integer overflow" past 2**63 - 1 (about 9.2 x 10**18): ten funding lines of the largest
pagu a line may hold (Rp 999.999.999.999.999.999) already pass it, and the page that adds them failed. PostgreSQL adds
`numeric` exactly, so only SQLite connections get this replacement: whole numbers are added as Python integers (no
limit); a total beyond SQLite's integers comes back as a float (rounded to 15 digits: Django casts a decimal sum to
NUMERIC on SQLite, which cannot hold more), as a sum with a fraction does. Exact totals of that size are PostgreSQL's,
the production database; on SQLite the page shows a rounded total instead of failing. An application-defined
function of the same name and number of arguments takes precedence over the built-in one (SQLite,
"Application-Defined SQL Functions").
"""

from __future__ import annotations

from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class ExactSum:
    """The aggregate: NULLs skipped, NULL when nothing but NULLs (as SQL's SUM)."""

    def __init__(self) -> None:
        self.whole = 0
        self.fraction: float | None = None
        self.seen = False

    def step(self, value: Any) -> None:
        if value is None:
            return
        self.seen = True
        if isinstance(value, str | bytes):
            value = _number(value)
        if isinstance(value, int):
            self.whole += value
        else:
            self.fraction = (self.fraction or 0.0) + float(value)

    def finalize(self) -> int | float | None:
        if not self.seen:
            return None
        if self.fraction is not None:
            return self.whole + self.fraction
        if INT64_MIN <= self.whole <= INT64_MAX:
            return self.whole
        return float(self.whole)


def _number(text: str | bytes) -> int | float:
    """Text as SQLite's SUM reads it: a number when it is one, else 0."""
    raw = text.decode(errors="replace") if isinstance(text, bytes) else text
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return 0


def install_exact_sum(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: replace SUM on each new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("SUM", 1, ExactSum)

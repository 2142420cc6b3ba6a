"""Per-row totals and counts as correlated subqueries, for the pages that list many rows (the proposal list, the
Renja list, the admin changelists).

A subquery rather than an aggregate over a join: no GROUP BY over the whole table, the database computes it only
for the rows of the page (and the paginator's COUNT(*) drops it), and a count is not multiplied by another join.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Count, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def total_subquery(lines: models.QuerySet, parent_path: str, amount: str = "amount") -> Coalesce:
    """The sum of `amount` over the `lines` (funding lines) whose `parent_path` is the outer row; 0 without any."""
    total = (
        lines.filter(**{parent_path: OuterRef("pk")})
        .order_by()
        .values(parent_path)
        .annotate(total=Sum(amount))
        .values("total")
    )
    return Coalesce(
        Subquery(total), Value(Decimal(0)), output_field=models.DecimalField(max_digits=20, decimal_places=0)
    )


def count_subquery(rows: models.QuerySet, parent_path: str) -> Coalesce:
    """How many of `rows` have the outer row as their `parent_path`."""
    count = rows.filter(**{parent_path: OuterRef("pk")}).order_by().values(parent_path).annotate(n=Count("pk"))
    return Coalesce(Subquery(count.values("n")), Value(0), output_field=models.IntegerField())

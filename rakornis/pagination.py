"""Pages of a long list whose cost is bounded, whatever the number of rows.

Two bounds, chosen over keyset pagination so that a page keeps its number (`?page=120` can be linked, bookmarked
and typed, and the admin's changelist takes the same paginator):

- the count is exact up to `COUNT_BOUND` rows, then "lebih dari 10.000": `SELECT COUNT(*)` over a subquery that stops
  at `COUNT_BOUND + 1` rows, instead of counting half a million proposals for each page;
- pages go down to `MAX_PAGES` (10,000 rows of 50); deeper, the list asks for a narrower filter. A list finds the
  rows of a page by their ids first (`page_ids`: the filter and order alone, read from an index) and then reads only
  those rows in full, so the per-row work of a page (joins, EXISTS, subqueries) is done for 50 rows, not for the
  thousands it skips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from rakornis.formatting import format_thousands

COUNT_BOUND = 10_000
# Pages of 50 down to the count's bound: the rows a page skips are read from an index, and their cost grows with the
# depth (measured at 529,000 proposals: 0.3 ms for page 1, 78 ms at 10,000 rows, 150 ms at 25,000, under load), so the
# depth stops where the count does. Beyond it a filter or another order finds a proposal, not paging.
MAX_PAGES = 200
# A text search (`?q=`) counts up to 1,000 matches and pages down to 20: a word as common as "jalan" matches a third of
# the proposals, and counting 10,001 of them reads about 17,000 rows through `UPPER(...) LIKE` on three columns (44 ms
# of a 60 ms page at 500,000 proposals); 1,000 read about 1,700. Nobody pages through a thousand search results: the
# list says "lebih dari 1.000" and asks for a narrower search.
SEARCH_COUNT_BOUND = 1_000
SEARCH_MAX_PAGES = 20


class BoundedPaginator(Paginator):
    """A paginator over a queryset whose count stops at `count_bound + 1` and whose pages stop at `max_pages`."""

    count_bound = COUNT_BOUND
    max_pages = MAX_PAGES

    def __init__(
        self,
        *args: Any,
        known_count: int | None = None,
        count_bound: int | None = None,
        max_pages: int | None = None,
        **kwargs: Any,
    ) -> None:
        """`known_count`: the number of rows when the caller already knows it (the proposal list reads it from the
        proposal summary with its totals), so that no row is counted; it is bounded like a counted one.
        `count_bound` and `max_pages`: tighter bounds than the usual ones (a text search's)."""
        super().__init__(*args, **kwargs)
        self.known_count = known_count
        if count_bound is not None:
            self.count_bound = count_bound
        if max_pages is not None:
            self.max_pages = max_pages

    @cached_property
    def count(self) -> int:
        """The number of rows, or `count_bound + 1` when there are more than `count_bound`."""
        if self.known_count is not None:
            return min(self.known_count, self.count_bound + 1)
        rows = cast(QuerySet, self.object_list)
        return rows.order_by().values("pk")[: self.count_bound + 1].count()

    @property
    def count_is_exact(self) -> bool:
        return self.count <= self.count_bound

    @cached_property
    def num_pages(self) -> int:
        """The last page there is, or the deepest one shown (`max_pages`) when the count stopped at its bound."""
        return super().num_pages if self.count_is_exact else self.max_pages

    def validate_number(self, number: Any) -> int:
        try:
            value = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("Nomor halaman harus berupa angka. Ditampilkan halaman pertama.") from None
        if value < 1:
            raise EmptyPage("Nomor halaman paling kecil 1. Ditampilkan halaman pertama.")
        if value > self.num_pages and not (value == 1 and self.allow_empty_first_page):
            if not self.count_is_exact:
                raise EmptyPage(
                    f"Halaman paling jauh yang dapat dibuka adalah halaman {format_thousands(self.max_pages)}; "
                    "persempit filter atau ubah urutan untuk melihat usulan berikutnya. Ditampilkan halaman pertama."
                )
            raise EmptyPage(f"Halaman {format_thousands(value)} tidak ada. Ditampilkan halaman pertama.")
        return value

    def _get_page(self, *args: Any, **kwargs: Any) -> BoundedPage:
        return BoundedPage(*args, **kwargs)


class BoundedPage(Page):
    """A page that may know from its own rows whether another follows (`has_more`: the caller read one row more
    than the page holds), which the count cannot tell beyond `COUNT_BOUND`."""

    has_more: bool | None = None

    def has_next(self) -> bool:
        # Never past the deepest page that opens (`max_pages`), even with rows beyond it: its "next" would not open.
        if self.has_more is not None:
            return self.has_more and self.number < self.paginator.num_pages
        return super().has_next()


def page_ids(queryset: QuerySet, offset: int, limit: int) -> QuerySet:
    """The ids of the rows `offset` to `offset + limit` of `queryset`, in its order, as a subquery: one statement
    that reads only the filter's and the order's columns for the rows it skips."""
    return queryset.values("pk")[offset : offset + limit]


def ordering_of(queryset: QuerySet) -> Sequence[Any]:
    """The order `queryset` is read in: its own `order_by`, or its model's default."""
    return queryset.query.order_by or queryset.model._meta.ordering

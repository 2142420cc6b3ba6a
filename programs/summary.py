"""The proposal summary (`ProposalSummary`): what the proposals of each fiscal year x kabupaten/kota x proposing
agency x status hold, per funding scheme, kept in the same transaction as every write that changes it.

The home page, the recap and the proposal list's totals read it instead of aggregating every proposal, its funding
lines and the meetings' decisions on each request (seconds at 500,000 proposals).

How it stays true: every service that writes proposals, their funding lines, their statuses or the decisions on
them takes `summary_snapshot(ids)` of the proposals it is about to write (after locking them), writes, and calls
`summary_apply(before, summary_snapshot(ids))`, which adds the difference to the rows. A snapshot aggregates only
those proposals (one SELECT per 500), so a write costs what it writes, not what its kabupaten/kota holds: measured,
recomputing a whole (year, kabupaten/kota, agency) per write took 0.7-0.9 s at 100,000 proposals. The snapshot is
one statement that applies the summary's rules (`_aggregate_sql`); `summary_expected` recomputes everything another
way, through the ORM and the one rule of which decision counts (`meetings.selectors.agreed_decisions`), and
`manage.py summary_check` compares the two (`--fix` rebuilds with `summary_rebuild`).

Inside `summary_deferred()` (the demo seed, tens of thousands of proposals in one transaction) the services skip the
summary and one rebuild at the end of the block adds everything up.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from decimal import Decimal
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When

from meetings.models import Decision, DecisionFunding, Meeting
from programs.models import Proposal, ProposalFunding, ProposalSummary

# A summary row's identity: the key, the status and the scheme id (None: the row over all schemes).
RowKey = tuple[int, int, int, str, int | None]
ZERO = Decimal(0)
IDS_PER_STATEMENT = 500  # proposal ids of a snapshot, repeated in four places of the statement
ROWS_PER_STATEMENT = 300  # summary rows of an upsert, 9 parameters each


@dataclass(frozen=True)
class Values:
    """What one summary row holds."""

    proposal_count: int = 0
    proposed_amount: Decimal = ZERO
    agreed_count: int = 0
    agreed_amount: Decimal = ZERO

    def __add__(self, other: Values) -> Values:
        return Values(
            self.proposal_count + other.proposal_count,
            self.proposed_amount + other.proposed_amount,
            self.agreed_count + other.agreed_count,
            self.agreed_amount + other.agreed_amount,
        )


# Which proposals ----------------------------------------------------------------------------------------------------


def ids_of_meeting(meeting: Meeting) -> list[int]:
    """The proposals decided at `meeting`: a change of its date or fiscal year can change which of their decisions
    counts."""
    return list(Decision.objects.filter(meeting=meeting).values_list("proposal_id", flat=True))


# The statement -------------------------------------------------------------------------------------------------------


def _aggregate_sql(where: str) -> str:
    """SELECT the summary rows of the proposals matching `where` (a condition on the alias `p`, the proposal).

    Six streams of (key, status, scheme, four values), added up per row: each proposal (count), each funding line
    (its scheme's row and the row over all schemes), each counted deciding decision (count), each of its agreed
    lines (its scheme's row and the row over all schemes). The deciding decision is `meetings.selectors`' rule: the
    decision at the latest meeting (start, then id) that plans the proposal's own fiscal year.
    """
    t = {
        "proposal": Proposal._meta.db_table,
        "funding": ProposalFunding._meta.db_table,
        "decision": Decision._meta.db_table,
        "decision_funding": DecisionFunding._meta.db_table,
        "meeting": Meeting._meta.db_table,
    }
    counted = ", ".join(f"'{outcome}'" for outcome in Decision.COUNTED_OUTCOMES)
    agreed_statuses = ", ".join(f"'{status}'" for status in Proposal.AGREED_STATUSES)
    key = "p.fiscal_year, p.region_id, p.agency_id, p.status"
    agreed_key = "a.fiscal_year, a.region_id, a.agency_id, a.status"
    return f"""
WITH agreed AS (
    SELECT d.id AS decision_id, {key}
    FROM {t["decision"]} d
    JOIN {t["meeting"]} m ON m.id = d.meeting_id
    JOIN {t["proposal"]} p ON p.id = d.proposal_id
    WHERE ({where}) AND m.fiscal_year = p.fiscal_year
      AND d.outcome IN ({counted}) AND p.status IN ({agreed_statuses})
      AND NOT EXISTS (
          SELECT 1 FROM {t["decision"]} later JOIN {t["meeting"]} lm ON lm.id = later.meeting_id
          WHERE later.proposal_id = d.proposal_id AND lm.fiscal_year = m.fiscal_year
            AND (lm.starts_at > m.starts_at OR (lm.starts_at = m.starts_at AND lm.id > m.id))
      )
)
SELECT fiscal_year, region_id, agency_id, status, scheme_id,
       SUM(proposal_count), SUM(proposed_amount), SUM(agreed_count), SUM(agreed_amount)
FROM (
    SELECT {key}, NULL AS scheme_id,
           1 AS proposal_count, 0 AS proposed_amount, 0 AS agreed_count, 0 AS agreed_amount
    FROM {t["proposal"]} p WHERE ({where})
    UNION ALL
    SELECT {key}, f.scheme_id, 1, f.amount, 0, 0
    FROM {t["proposal"]} p JOIN {t["funding"]} f ON f.proposal_id = p.id WHERE ({where})
    UNION ALL
    SELECT {key}, NULL, 0, f.amount, 0, 0
    FROM {t["proposal"]} p JOIN {t["funding"]} f ON f.proposal_id = p.id WHERE ({where})
    UNION ALL
    SELECT {agreed_key}, NULL, 0, 0, 1, 0 FROM agreed a
    UNION ALL
    SELECT {agreed_key}, df.scheme_id, 0, 0, 1, df.amount
    FROM agreed a JOIN {t["decision_funding"]} df ON df.decision_id = a.decision_id
    UNION ALL
    SELECT {agreed_key}, NULL, 0, 0, 0, df.amount
    FROM agreed a JOIN {t["decision_funding"]} df ON df.decision_id = a.decision_id
) AS streams
GROUP BY fiscal_year, region_id, agency_id, status, scheme_id"""


def _insert_sql(where: str) -> str:
    columns = (
        "fiscal_year, region_id, agency_id, status, scheme_id, "
        "proposal_count, proposed_amount, agreed_count, agreed_amount"
    )
    aggregate = _aggregate_sql(where)
    # WITH first: `WITH ... INSERT INTO ... SELECT` is the form both PostgreSQL and SQLite take.
    cte, select = aggregate.split("\nSELECT fiscal_year,", 1)
    return f"{cte}\nINSERT INTO {ProposalSummary._meta.db_table} ({columns})\nSELECT fiscal_year,{select}"


# Writes --------------------------------------------------------------------------------------------------------------

Contributions = dict[RowKey, Values]
_deferred = threading.local()


def _deferring() -> bool:
    return getattr(_deferred, "active", False)


def summary_snapshot(ids: Iterable[int]) -> Contributions:
    """What the proposals `ids` add to the summary as they are stored now: one SELECT per 500 proposals.

    Take it after locking the proposals and before writing them; `summary_apply` adds the difference with a second
    snapshot taken after the write.
    """
    ids = sorted(set(ids))
    rows: dict[RowKey, Values] = defaultdict(Values)
    if not ids or _deferring():
        return rows
    with connection.cursor() as cursor:
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            batch = ids[start : start + IDS_PER_STATEMENT]
            condition = f"p.id IN ({', '.join(['%s'] * len(batch))})"
            cursor.execute(_aggregate_sql(condition), batch * 4)
            for year, region, agency, status, scheme, count, proposed, agreed_count, agreed in cursor.fetchall():
                rows[(year, region, agency, status, scheme)] += Values(
                    int(count), Decimal(proposed), int(agreed_count), Decimal(agreed)
                )
    return rows


def summary_of_new(proposals: Iterable[tuple[tuple[int, int, int, str], Mapping[int, Decimal]]]) -> Contributions:
    """What new proposals add to the summary, from the values in hand instead of a `summary_snapshot` after their
    INSERT: each `((fiscal year, region id, agency id, status), {scheme id: amount of a stored line})`. Only for
    proposals no meeting has decided yet (just created), so the statement's first three streams are all there is:
    the proposal counted once, each line in its scheme's row (counted, its amount) and in the row over all schemes."""
    if _deferring():
        return {}
    # Counted and added up in plain lists, a Values per row at the end: a 10,000-row import adds 25,000 lines.
    sums: dict[RowKey, list[Any]] = {}
    for key, lines in proposals:
        _count(sums, (*key, None), sum(lines.values(), ZERO))
        for scheme, amount in lines.items():
            _count(sums, (*key, scheme), amount)
    return {row: Values(count, amount) for row, (count, amount) in sums.items()}


def _count(sums: dict[RowKey, list[Any]], row: RowKey, amount: Decimal) -> None:
    if (held := sums.get(row)) is None:
        sums[row] = [1, amount]
    else:
        held[0] += 1
        held[1] += amount


def summary_apply(before: Contributions, after: Contributions) -> None:
    """Add `after - before` to the summary rows, creating the rows that are missing and deleting those left at zero.

    Increments, not overwrites: two transactions changing the same row (two operators of one kabupaten/kota) both
    count, each waiting for the other's row lock; rows are written in one order, so they do not deadlock.
    """
    if _deferring():
        return
    delta: dict[RowKey, Values] = {}
    for row in before.keys() | after.keys():
        old, new = before.get(row, Values()), after.get(row, Values())
        change = Values(
            new.proposal_count - old.proposal_count,
            new.proposed_amount - old.proposed_amount,
            new.agreed_count - old.agreed_count,
            new.agreed_amount - old.agreed_amount,
        )
        if change != Values():
            delta[row] = change
    if not delta:
        return
    table = ProposalSummary._meta.db_table
    columns = ("proposal_count", "proposed_amount", "agreed_count", "agreed_amount")
    add = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in columns)
    ordered = sorted(delta.items(), key=lambda item: (*item[0][:4], item[0][4] or 0))
    with connection.cursor() as cursor:
        for per_scheme in (True, False):
            rows = [(row, change) for row, change in ordered if (row[4] is not None) == per_scheme]
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                batch = rows[start : start + ROWS_PER_STATEMENT]
                target = "fiscal_year, region_id, agency_id, status" + (", scheme_id" if per_scheme else "")
                condition = "scheme_id IS NOT NULL" if per_scheme else "scheme_id IS NULL"
                cursor.execute(
                    f"INSERT INTO {table} (fiscal_year, region_id, agency_id, status, scheme_id, {', '.join(columns)}) "
                    f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s, %s)'] * len(batch))} "
                    f"ON CONFLICT ({target}) WHERE {condition} DO UPDATE SET {add}",
                    [value for row, change in batch for value in (*row, *astuple(change))],
                )
        if any(change.proposal_count < 0 or change.agreed_count < 0 for change in delta.values()):
            keys = sorted({row[:3] for row in delta})
            for start in range(0, len(keys), ROWS_PER_STATEMENT):
                some_keys = keys[start : start + ROWS_PER_STATEMENT]
                one = "(fiscal_year = %s AND region_id = %s AND agency_id = %s)"
                cursor.execute(
                    f"DELETE FROM {table} WHERE proposal_count = 0 AND agreed_count = 0 AND proposed_amount = 0 "
                    f"AND agreed_amount = 0 AND ({' OR '.join([one] * len(some_keys))})",
                    [value for key in some_keys for value in key],
                )


@contextmanager
def summary_deferred() -> Iterator[None]:
    """Inside the block the services skip the summary and the meetings' decision summary; when the block ends
    normally both are rebuilt whole (`summary_rebuild`, `meetings.summary.meeting_summary_rebuild`). For one
    transaction that writes a large part of the database (the demo seed), where one rebuild costs less than a
    snapshot per batch. Nested blocks join the outermost one."""
    if _deferring():
        yield
        return
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False
    summary_rebuild()
    # The meetings' decision summary skips its snapshots in the block too (`meetings.summary`): rebuilt the same way.
    from meetings.summary import meeting_summary_rebuild  # it imports this module: import when asked

    meeting_summary_rebuild()


def summary_rebuild() -> None:
    """Recompute the whole summary: one DELETE and one INSERT ... SELECT (seconds at 500,000 proposals)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {ProposalSummary._meta.db_table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {ProposalSummary._meta.db_table}")
        cursor.execute(_insert_sql("1 = 1"))


# Checks --------------------------------------------------------------------------------------------------------------


def summary_stored() -> dict[RowKey, Values]:
    rows = ProposalSummary.objects.values_list(
        "fiscal_year",
        "region_id",
        "agency_id",
        "status",
        "scheme_id",
        "proposal_count",
        "proposed_amount",
        "agreed_count",
        "agreed_amount",
    )
    return {(y, r, a, s, scheme): Values(n, Decimal(p), c, Decimal(g)) for y, r, a, s, scheme, n, p, c, g in rows}


def summary_expected() -> dict[RowKey, Values]:
    """The summary recomputed from scratch through the ORM, independently of `summary_refresh`'s statement: the
    proposals, their funding lines, and the agreed decisions of each meeting year by `agreed_decisions`."""
    from meetings.selectors import agreed_decisions  # the selectors read programs' models: import when asked

    rows: dict[RowKey, Values] = defaultdict(Values)
    proposals = Proposal.objects.order_by().values_list("fiscal_year", "region_id", "agency_id", "status")
    for year, region, agency, status, count in proposals.annotate(n=Count("pk")):
        rows[(year, region, agency, status, None)] += Values(proposal_count=count)
    lines = ProposalFunding.objects.order_by().values_list(
        "proposal__fiscal_year", "proposal__region_id", "proposal__agency_id", "proposal__status", "scheme_id"
    )
    for year, region, agency, status, scheme, count, total in lines.annotate(n=Count("pk"), total=Sum("amount")):
        rows[(year, region, agency, status, scheme)] += Values(proposal_count=count, proposed_amount=total)
        rows[(year, region, agency, status, None)] += Values(proposed_amount=total)
    for meeting_year in Meeting.objects.order_by().values_list("fiscal_year", flat=True).distinct():
        agreed = agreed_decisions(fiscal_year=meeting_year).order_by()
        decided = agreed.values_list(
            "proposal__fiscal_year", "proposal__region_id", "proposal__agency_id", "proposal__status"
        )
        for year, region, agency, status, count in decided.annotate(n=Count("pk")):
            rows[(year, region, agency, status, None)] += Values(agreed_count=count)
        funding = (
            DecisionFunding.objects.filter(decision__in=agreed.values("pk"))
            .order_by()
            .values_list(
                "decision__proposal__fiscal_year",
                "decision__proposal__region_id",
                "decision__proposal__agency_id",
                "decision__proposal__status",
                "scheme_id",
            )
            .annotate(n=Count("pk"), total=Sum("amount"))
        )
        for year, region, agency, status, scheme, count, total in funding:
            rows[(year, region, agency, status, scheme)] += Values(agreed_count=count, agreed_amount=total)
            rows[(year, region, agency, status, None)] += Values(agreed_amount=total)
    return dict(rows)


@dataclass(frozen=True)
class Difference:
    """A row of a summary (this one or the meetings' decision summary) whose stored values differ from a
    recomputation: `stored` or `expected` is None when the row is missing on that side."""

    row: tuple[Any, ...]
    stored: Any
    expected: Any


def row_differences(stored: Mapping[Any, Any], expected: Mapping[Any, Any], *, order: Any) -> list[Difference]:
    """Every row where `stored` and `expected` disagree (missing, extra or other values), sorted by `order`."""
    return [
        Difference(row, stored.get(row), expected.get(row))
        for row in sorted(stored.keys() | expected.keys(), key=order)
        if stored.get(row) != expected.get(row)
    ]


def summary_differences() -> list[Difference]:
    """Every row where the stored summary and a recomputation disagree (missing, extra or other values)."""
    return row_differences(summary_stored(), summary_expected(), order=lambda row: (*row[:4], row[4] or 0))


# Reads ---------------------------------------------------------------------------------------------------------------


@dataclass
class Totals:
    """The summary added up over some rows: proposals per status, and per scheme what was proposed (over
    `Proposal.PROPOSED_STATUSES` unless told otherwise) and what the deciding decisions agreed."""

    by_status: dict[str, int]
    proposed: dict[int, Decimal]  # scheme id -> amount, only schemes with a line
    agreed: dict[int, Decimal]  # scheme id -> amount, only schemes with an agreed line
    agreed_count: int

    @property
    def proposal_count(self) -> int:
        return sum(self.by_status.values())


def summary_totals(rows: QuerySet[ProposalSummary], *, statuses: Iterable[str] | None = None) -> Totals:
    """`rows` (e.g. `ProposalSummary.objects.for_user(user).for_year(2027)`) added up in one query over at most
    statuses x schemes groups. `proposed` adds the statuses `statuses` (default `Proposal.PROPOSED_STATUSES`)."""
    grouped = (
        rows.order_by()
        .values_list("status", "scheme_id")
        .annotate(
            n=Sum("proposal_count"),
            proposed=Sum("proposed_amount"),
            n_agreed=Sum("agreed_count"),
            agreed=Sum("agreed_amount"),
        )
    )
    return _add_up(grouped, statuses=statuses)


def summary_totals_and_waiting(
    rows: QuerySet[ProposalSummary], *, year: int, waiting: Iterable[str]
) -> tuple[Totals, dict[str, int]]:
    """`summary_totals` of `rows` in `year`, and how many proposals of the other years are in each status of
    `waiting` (work that a page of the year would otherwise hide): one grouped query for both (the home page)."""
    waiting = list(waiting)
    grouped = (
        rows.filter(Q(fiscal_year=year) | Q(scheme__isnull=True, status__in=waiting))
        .annotate(this_year=Case(When(fiscal_year=year, then=Value(True)), default=Value(False)))
        .order_by()
        .values_list("this_year", "status", "scheme_id")
        .annotate(
            n=Sum("proposal_count"),
            proposed=Sum("proposed_amount"),
            n_agreed=Sum("agreed_count"),
            agreed=Sum("agreed_amount"),
        )
    )
    of_year: list[tuple[Any, ...]] = []
    elsewhere: dict[str, int] = {}
    for this_year, *row in grouped:
        if this_year:
            of_year.append(tuple(row))
        elif row[2]:
            elsewhere[row[0]] = elsewhere.get(row[0], 0) + row[2]
    return _add_up(of_year, statuses=None), elsewhere


def _add_up(grouped: Iterable[Any], *, statuses: Iterable[str] | None) -> Totals:
    """Totals from summary rows grouped by (status, scheme id): count, proposed, agreed count, agreed amount."""
    counted = set(Proposal.PROPOSED_STATUSES if statuses is None else statuses)
    totals = Totals(by_status={}, proposed={}, agreed={}, agreed_count=0)
    for status, scheme, count, proposed, agreed_count, agreed in grouped:
        if scheme is None:
            totals.by_status[status] = totals.by_status.get(status, 0) + count
            totals.agreed_count += agreed_count
            continue
        if status in counted and count:
            totals.proposed[scheme] = totals.proposed.get(scheme, ZERO) + proposed
        if agreed_count:
            totals.agreed[scheme] = totals.agreed.get(scheme, ZERO) + agreed
    return totals


# The proposal list's totals ------------------------------------------------------------------------------------------

# The list's filters that are columns of the summary: with only these, its totals are read from the summary.
SUMMARY_FILTERS = frozenset({"fiscal_year", "region", "agency", "status", "scheme"})
# With any other filter (a search, a program, the overlap flag) the totals are added up from the filtered
# proposals themselves, when there are at most this many; above, the list says they were not computed.
FILTERED_TOTALS_BOUND = 5_000


@dataclass
class ListTotals:
    """The list's rupiah totals per scheme of the filtered proposals; `computed` False when the filter selects more
    than `FILTERED_TOTALS_BOUND` proposals by something the summary does not hold."""

    by_scheme: dict[int, Decimal]
    computed: bool = True
    only_scheme: str | None = None  # a scheme filter's code: the totals are that scheme's lines alone
    bound: int = FILTERED_TOTALS_BOUND
    # How many proposals the filter selects, when the summary tells (its columns alone): the list's paginator takes
    # it instead of counting up to 10,001 rows of an index on each page.
    count: int | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.by_scheme.values(), ZERO)

    def per_scheme(self, schemes: Iterable[Any]) -> list[tuple[Any, Decimal]]:
        """(scheme, amount) of the schemes that have an amount, in the order of `schemes` (the list's table)."""
        return [(scheme, self.by_scheme[scheme.pk]) for scheme in schemes if scheme.pk in self.by_scheme]


def proposal_list_totals(
    *, filterset: Any, proposals: QuerySet[Proposal], user: Any, counted: int | None = None
) -> ListTotals:
    """The totals per scheme of what the proposal list shows (`programs.filters.filter_proposals`).

    From the summary when every filter used is one of its columns (`summary_list_totals`). Otherwise from the
    filtered proposals' funding lines, once a count capped at `FILTERED_TOTALS_BOUND` + 1 says there are few enough:
    `counted`, when the caller has counted `proposals` already (exactly up to at least that bound: the list's
    paginator), else a count of its own.
    """
    from_summary = summary_list_totals(filterset=filterset, user=user)
    if from_summary is not None:
        return from_summary
    if counted is None:
        counted = proposals.order_by().values("pk")[: FILTERED_TOTALS_BOUND + 1].count()
    if counted > FILTERED_TOTALS_BOUND:
        return ListTotals({}, computed=False, bound=FILTERED_TOTALS_BOUND)
    return ListTotals(_sum_lines(proposals))


# Above the list's bounds the totals are added up when the user asks (`proposal_totals_on_request`), in at most this
# long: a search for "jalan" (a third of 500,000 proposals) takes about a second on PostgreSQL.
TOTALS_ON_REQUEST_TIMEOUT_MS = 5_000


def proposal_totals_on_request(*, filterset: Any, proposals: QuerySet[Proposal], user: Any) -> ListTotals | None:
    """The list's totals per scheme and its count, however many proposals the filter selects: what the list leaves
    out above its bounds, asked for by a click. Bounded in time instead of rows: on PostgreSQL the statements stop
    after `TOTALS_ON_REQUEST_TIMEOUT_MS`, and then None (nothing to show but a request to narrow the filter)."""
    from_summary = summary_list_totals(filterset=filterset, user=user)
    if from_summary is not None:  # with its count: the summary holds both
        return from_summary
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # SET LOCAL: for this transaction only, whatever connection the pool hands out next.
                    cursor.execute(
                        "SELECT set_config('statement_timeout', %s, true)", [str(TOTALS_ON_REQUEST_TIMEOUT_MS)]
                    )
            by_scheme = _sum_lines(proposals)
            count = proposals.order_by().count()
    except OperationalError:  # the timeout (QueryCanceled); the transaction is rolled back, the connection usable
        return None
    return ListTotals(by_scheme, count=count)


def _sum_lines(proposals: QuerySet[Proposal]) -> dict[int, Decimal]:
    """The amounts of the funding lines of `proposals`, per scheme id: one grouped query."""
    lines = ProposalFunding.objects.filter(proposal__in=proposals.order_by().values("pk")).order_by()
    return dict(lines.values_list("scheme").annotate(total=Sum("amount")))


def summary_list_totals(*, filterset: Any, user: Any) -> ListTotals | None:
    """The list's totals and the number of proposals it selects (`count`) from the summary, or None when a filter is
    not one of its columns (a search, a program, the overlap flag).

    With the filters year, kabupaten/kota, agency, status (or the "proposed" group) and scheme alone: one grouped
    query whatever the number of proposals. With a scheme filter the totals are that scheme's amounts (what the
    proposals shown ask from it) and the count the proposals with a line of it (one line per scheme). An invalid
    filter selects nothing (`filter_proposals`): no totals, a count of 0, no query.
    """
    if filterset.is_bound and not filterset.is_valid():
        return ListTotals({}, count=0)
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    used = {name for name, value in data.items() if name != "sort" and value not in (None, "", [])}
    if not used <= SUMMARY_FILTERS:
        return None
    return _summary_list_totals(data, user)


def _summary_list_totals(data: dict[str, Any], user: Any) -> ListTotals:
    from programs.filters import PROPOSED  # the filters import the models this module reads: import when asked

    # The rows per scheme (the totals) and, without a scheme filter, the rows over all schemes (the count).
    rows = ProposalSummary.objects.for_user(user)
    if data.get("fiscal_year"):
        rows = rows.filter(fiscal_year=int(data["fiscal_year"]))
    if data.get("region"):
        rows = rows.filter(region=data["region"])
    if data.get("agency"):
        rows = rows.filter(agency=data["agency"])
    if status := data.get("status"):
        rows = rows.filter(status__in=Proposal.PROPOSED_STATUSES if status == PROPOSED else [status])
    scheme = data.get("scheme")  # a code, or the scheme itself
    code = getattr(scheme, "code", scheme) or None
    if code:
        rows = rows.filter(scheme__code=code)
    totals = rows.order_by().values_list("scheme_id").annotate(n=Sum("proposal_count"), total=Sum("proposed_amount"))
    by_scheme = {scheme_id: total for scheme_id, count, total in totals if count}
    counts = {scheme_id: count for scheme_id, count, total in totals}
    selected = sum(counts.values()) if code else counts.get(None, 0)
    by_scheme.pop(None, None)
    return ListTotals(by_scheme, only_scheme=code, count=selected)

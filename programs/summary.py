"""The proposal summary (`ProposalSummary`): what the proposals of each fiscal year x kabupaten/kota x proposing
agency x status hold, per funding scheme, kept in the same transaction as every write that changes it.

The home page, the recap and the proposal list's totals read it instead of aggregating every proposal, its funding
lines and the meetings' decisions on each request (seconds at 500,000 proposals).

How it stays true: every service that writes proposals, their funding lines, their statuses or the decisions on
them ends with `summary_refresh(keys)`, the (fiscal year, kabupaten/kota, agency) keys the write touched, taken
before and after it. The refresh deletes the summary rows of those keys and re-adds them in one INSERT ... SELECT
from the proposals (the index `programs_proposal_summary_key`), so it never adds deltas that could drift.
`summary_expected` recomputes everything another way, through the ORM and the one rule of which decision counts
(`meetings.selectors.agreed_decisions`); `manage.py summary_check` compares the two and `--fix` rebuilds.

Inside `summary_deferred()` (the demo seed, tens of thousands of proposals in one transaction) refreshes only
collect their keys, and one refresh at the end of the block adds them all up.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum

from meetings.models import Decision, DecisionFunding, Meeting
from programs.models import Proposal, ProposalFunding, ProposalSummary

# (fiscal year, kabupaten/kota id, agency id): the unit the summary is refreshed in.
Key = tuple[int, int, int]
# A summary row's identity: the key, the status and the scheme id (None: the row over all schemes).
RowKey = tuple[int, int, int, str, int | None]
ZERO = Decimal(0)
KEYS_PER_STATEMENT = 200  # 3 parameters per key, repeated in four places of the statement
ADVISORY_LOCK_CLASS = 1101  # issue 11: the namespace of the summary's PostgreSQL advisory locks


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


# Keys ----------------------------------------------------------------------------------------------------------------


def key_of(proposal: Proposal) -> Key:
    return (proposal.fiscal_year, proposal.region_id, proposal.agency_id)


def keys_of(proposals: Iterable[Proposal]) -> set[Key]:
    return {key_of(proposal) for proposal in proposals}


def keys_of_ids(ids: Iterable[int]) -> set[Key]:
    """The keys of the proposals with these ids, as they are stored now (one query per 1,000 ids)."""
    ids = list(ids)
    keys: set[Key] = set()
    for start in range(0, len(ids), 1000):
        rows = Proposal.objects.filter(pk__in=ids[start : start + 1000]).order_by()
        keys.update(rows.values_list("fiscal_year", "region_id", "agency_id").distinct())
    return keys


def keys_of_meeting(meeting: Meeting) -> set[Key]:
    """The keys of the proposals decided at `meeting`: a change of its date or fiscal year can change which of
    their decisions counts."""
    decided = Proposal.objects.filter(decisions__meeting=meeting).order_by()
    return set(decided.values_list("fiscal_year", "region_id", "agency_id").distinct())


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


def _keys_condition(keys: list[Key], alias: str) -> tuple[str, list[int]]:
    prefix = f"{alias}." if alias else ""
    one = f"({prefix}fiscal_year = %s AND {prefix}region_id = %s AND {prefix}agency_id = %s)"
    return " OR ".join([one] * len(keys)), [value for key in keys for value in key]


# Writes --------------------------------------------------------------------------------------------------------------

_deferred = threading.local()


@contextmanager
def summary_deferred() -> Iterator[None]:
    """Refreshes inside the block only collect their keys; one refresh of them all runs when the block ends
    normally. Use it inside the transaction of the writes (e.g. a seed of many chunks); nested blocks join the
    outermost one."""
    if getattr(_deferred, "keys", None) is not None:
        yield
        return
    _deferred.keys = set()
    try:
        yield
    except BaseException:
        _deferred.keys = None
        raise
    keys, _deferred.keys = _deferred.keys, None
    summary_refresh(keys)


def _lock(keys: list[Key]) -> None:
    """Serialise refreshes of the same keys on PostgreSQL: a second transaction waits for the first to commit, then
    its DELETE sees (and removes) the rows the first inserted. SQLite runs one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({hash((year, region, agency)) & 0x7FFFFFFF for year, region, agency in keys})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, k) FROM unnest(%s::int4[]) AS k", [ADVISORY_LOCK_CLASS, ids])


def summary_refresh(keys: Iterable[Key]) -> None:
    """Recompute the summary rows of `keys` from the proposals, their funding lines and their deciding decisions.

    Call it at the end of every write, in its transaction, with the keys of the proposals it wrote taken before the
    write (a proposal moved to another year, kabupaten/kota or agency leaves its old key) and after it. Two
    statements per 200 keys; the cost grows with the proposals of those keys, not of the database.
    """
    wanted = sorted(set(keys))
    if not wanted:
        return
    pending = getattr(_deferred, "keys", None)
    if pending is not None:
        pending.update(wanted)
        return
    table = ProposalSummary._meta.db_table
    with transaction.atomic():
        _lock(wanted)
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), KEYS_PER_STATEMENT):
                batch = wanted[start : start + KEYS_PER_STATEMENT]
                condition, params = _keys_condition(batch, "")
                cursor.execute(f"DELETE FROM {table} WHERE {condition}", params)
                condition, params = _keys_condition(batch, "p")
                cursor.execute(_insert_sql(condition), params * 4)


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
    row: RowKey
    stored: Values | None
    expected: Values | None


def summary_differences() -> list[Difference]:
    """Every row where the stored summary and a recomputation disagree (missing, extra or other values)."""
    stored, expected = summary_stored(), summary_expected()
    return [
        Difference(row, stored.get(row), expected.get(row))
        for row in sorted(stored.keys() | expected.keys(), key=lambda row: (*row[:4], row[4] or 0))
        if stored.get(row) != expected.get(row)
    ]

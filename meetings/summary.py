"""The meeting decision summary (`MeetingDecisionSummary`): what each meeting's decisions hold per kabupaten/kota x
outcome x desk x origin of the proposal, per funding scheme, kept in the same transaction as every write of
decisions.

The meeting page, the Berita Acara and their exports read their totals, their recaps by desk, origin and
kabupaten/kota, and the decision list's counts from it instead of grouping every decision of the meeting and its
funding lines on each request (4.5-10 s for the bench's meeting of 324,914 decisions).

How it stays true, as `programs.summary` does for the proposals: a service that writes decisions takes
`meeting_summary_snapshot(meeting, proposal_ids)` of the decisions it is about to write (the meeting row locked by
`locked_open_meeting`), writes, and calls `meeting_summary_apply(before, after)` with a second snapshot, which adds
the difference to the rows. A snapshot aggregates only those decisions (one SELECT per 500), so a write costs what
it writes: a batch of 1,000 decisions is two snapshots and a few upserts, never a statement per decision.
A desk deleted in the admin moves its rows to "outside any desk" (`_desk_deleted`, as the decisions' SET_NULL).

`meeting_summary_expected` recomputes everything another way (the ORM's GROUP BY over the decisions and their lines)
and `manage.py summary_check` compares the two (`--fix` rebuilds with `meeting_summary_rebuild`). Inside
`programs.summary.summary_deferred()` (the demo seed) the snapshots are skipped and the block's end rebuilds both
summaries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from meetings.models import Decision, DecisionFunding, Desk, Meeting, MeetingDecisionSummary
from programs.models import Proposal
from programs.summary import Difference, _deferring, row_differences

# A row's identity: meeting, kabupaten/kota, outcome, desk (None: outside any desk), origin, scheme (None: the row
# over all schemes).
RowKey = tuple[int, int, str, int | None, str, int | None]
ZERO = Decimal(0)
IDS_PER_STATEMENT = 500  # proposal ids of a snapshot, repeated in three places of the statement
ROWS_PER_STATEMENT = 300  # summary rows of an upsert, 8 parameters each
KEY_COLUMNS = ("meeting_id", "region_id", "outcome", "desk_id", "origin", "scheme_id")


@dataclass(frozen=True)
class Values:
    """What one summary row holds: decisions (lines, on a scheme's row) and their amount."""

    decision_count: int = 0
    amount: Decimal = ZERO

    def __add__(self, other: Values) -> Values:
        return Values(self.decision_count + other.decision_count, self.amount + other.amount)

    def __sub__(self, other: Values) -> Values:
        return Values(self.decision_count - other.decision_count, self.amount - other.amount)


Contributions = dict[RowKey, Values]


def _aggregate_sql(where: str) -> str:
    """SELECT the summary rows of the decisions matching `where` (a condition on the alias `d`, the decision), in
    three streams added up per row: each decision (counted on the row over all schemes), each of its funding lines
    (on its scheme's row) and each line again (its amount on the row over all schemes)."""
    decision, proposal, line = Decision._meta.db_table, Proposal._meta.db_table, DecisionFunding._meta.db_table
    key = "d.meeting_id, p.region_id, d.outcome, d.desk_id, p.origin"
    return f"""
SELECT meeting_id, region_id, outcome, desk_id, origin, scheme_id, SUM(decision_count), SUM(amount)
FROM (
    SELECT {key}, NULL AS scheme_id, 1 AS decision_count, 0 AS amount
    FROM {decision} d JOIN {proposal} p ON p.id = d.proposal_id WHERE ({where})
    UNION ALL
    SELECT {key}, f.scheme_id, 1, f.amount
    FROM {decision} d JOIN {proposal} p ON p.id = d.proposal_id JOIN {line} f ON f.decision_id = d.id
    WHERE ({where})
    UNION ALL
    SELECT {key}, NULL, 0, f.amount
    FROM {decision} d JOIN {proposal} p ON p.id = d.proposal_id JOIN {line} f ON f.decision_id = d.id
    WHERE ({where})
) AS streams
GROUP BY meeting_id, region_id, outcome, desk_id, origin, scheme_id"""


def _insert_sql(where: str) -> str:
    columns = ", ".join((*KEY_COLUMNS, "decision_count", "amount"))
    return f"INSERT INTO {MeetingDecisionSummary._meta.db_table} ({columns})" + _aggregate_sql(where)


# Writes --------------------------------------------------------------------------------------------------------------


def meeting_summary_snapshot(meeting: Meeting | int, proposal_ids: Iterable[int]) -> Contributions:
    """What the decisions of `meeting` on the proposals `proposal_ids` add to the summary as stored now: one SELECT
    per 500 proposals. Take it before writing them and once after; `meeting_summary_apply` adds the difference."""
    ids = sorted(set(proposal_ids))
    rows: dict[RowKey, Values] = defaultdict(Values)
    if not ids or _deferring():
        return rows
    meeting_id = meeting if isinstance(meeting, int) else meeting.pk
    with connection.cursor() as cursor:
        for start in range(0, len(ids), IDS_PER_STATEMENT):
            batch = ids[start : start + IDS_PER_STATEMENT]
            condition = f"d.meeting_id = %s AND d.proposal_id IN ({', '.join(['%s'] * len(batch))})"
            cursor.execute(_aggregate_sql(condition), [meeting_id, *batch] * 3)
            for meeting_key, region, outcome, desk, origin, scheme, count, amount in cursor.fetchall():
                rows[(meeting_key, region, outcome, desk, origin, scheme)] += Values(int(count), Decimal(amount))
    return rows


def _upsert_target(row: RowKey) -> tuple[str, str]:
    """The columns and condition of the partial unique index a row falls under (`MeetingDecisionSummary.Meta`)."""
    desk, scheme = row[3] is not None, row[5] is not None
    columns = ["meeting_id", "region_id", "outcome", *(["desk_id"] if desk else []), "origin"]
    columns += ["scheme_id"] if scheme else []
    condition = f"desk_id IS {'NOT ' if desk else ''}NULL AND scheme_id IS {'NOT ' if scheme else ''}NULL"
    return ", ".join(columns), condition


def meeting_summary_apply(before: Contributions, after: Contributions) -> None:
    """Add `after - before` to the summary rows, creating those missing and deleting those left at zero.

    Increments, not overwrites, in one order of rows: two transactions on one meeting wait for each other's row
    locks (they already wait on the meeting's) and never deadlock."""
    if _deferring():
        return
    delta = {
        row: change
        for row in before.keys() | after.keys()
        if (change := after.get(row, Values()) - before.get(row, Values())) != Values()
    }
    if not delta:
        return
    table = MeetingDecisionSummary._meta.db_table
    add = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in ("decision_count", "amount"))
    groups: dict[tuple[str, str], list[tuple[RowKey, Values]]] = defaultdict(list)
    for row, change in sorted(delta.items(), key=lambda item: tuple(str(part) for part in item[0])):
        groups[_upsert_target(row)].append((row, change))
    with connection.cursor() as cursor:
        for (target, condition), rows in sorted(groups.items()):
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                batch = rows[start : start + ROWS_PER_STATEMENT]
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(KEY_COLUMNS)}, decision_count, amount) "
                    f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(batch))} "
                    f"ON CONFLICT ({target}) WHERE {condition} DO UPDATE SET {add}",
                    [value for row, change in batch for value in (*row, *astuple(change))],
                )
        if any(change.decision_count < 0 for change in delta.values()):
            meetings = sorted({row[0] for row in delta})
            cursor.execute(
                f"DELETE FROM {table} WHERE decision_count = 0 AND amount = 0 "
                f"AND meeting_id IN ({', '.join(['%s'] * len(meetings))})",
                meetings,
            )


@receiver(pre_delete, sender=Desk, dispatch_uid="meetings.summary.desk_deleted")
def _desk_deleted(sender: Any, instance: Desk, **kwargs: Any) -> None:
    """A desk deleted (only the admin does, alone or with its meeting): its decisions are left outside any desk by
    the foreign key's SET_NULL, so its rows move to the desk-less rows, added to those already there. Read from the
    summary itself: a few rows, whatever the desk decided."""
    if _deferring():
        return
    rows = MeetingDecisionSummary.objects.filter(desk=instance).values_list(*KEY_COLUMNS, "decision_count", "amount")
    before: Contributions = {}
    after: dict[RowKey, Values] = defaultdict(Values)
    for meeting, region, outcome, desk, origin, scheme, count, amount in rows:
        before[(meeting, region, outcome, desk, origin, scheme)] = Values(count, amount)
        after[(meeting, region, outcome, None, origin, scheme)] += Values(count, amount)
    meeting_summary_apply(before, after)


def meeting_summary_rebuild(meeting: Meeting | None = None) -> None:
    """Recompute the summary (of `meeting`, or whole): one DELETE and one INSERT ... SELECT."""
    table = MeetingDecisionSummary._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if meeting is None:
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(_insert_sql("1 = 1"))
        else:
            cursor.execute(f"DELETE FROM {table} WHERE meeting_id = %s", [meeting.pk])
            cursor.execute(_insert_sql("d.meeting_id = %s"), [meeting.pk] * 3)


# Checks --------------------------------------------------------------------------------------------------------------


def meeting_summary_stored() -> dict[RowKey, Values]:
    rows = MeetingDecisionSummary.objects.values_list(*KEY_COLUMNS, "decision_count", "amount")
    return {(m, r, o, d, origin, s): Values(n, Decimal(a)) for m, r, o, d, origin, s, n, a in rows}


def meeting_summary_expected() -> dict[RowKey, Values]:
    """The summary recomputed through the ORM, independently of `_aggregate_sql`: the decisions grouped by their
    key, and their funding lines grouped by their decision's key and scheme."""
    rows: dict[RowKey, Values] = defaultdict(Values)
    key = ("meeting_id", "proposal__region_id", "outcome", "desk_id", "proposal__origin")
    for *row, count in Decision.objects.order_by().values_list(*key).annotate(n=Count("pk")):
        rows[(*row, None)] += Values(decision_count=count)
    lines = DecisionFunding.objects.order_by().values_list(*(f"decision__{part}" for part in key), "scheme_id")
    for *row, scheme, count, total in lines.annotate(n=Count("pk"), total=Sum("amount")):
        rows[(*row, scheme)] += Values(count, total)
        rows[(*row, None)] += Values(amount=total)
    return dict(rows)


def meeting_summary_differences() -> list[Difference]:
    """Every row where the stored summary and a recomputation disagree (missing, extra or other values)."""
    return row_differences(
        meeting_summary_stored(), meeting_summary_expected(), order=lambda row: tuple(str(part) for part in row)
    )

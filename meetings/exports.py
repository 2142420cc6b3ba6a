"""The Excel annex of a meeting's Berita Acara: its decisions by kabupaten/kota, each group followed by its
subtotal, then the total. The rows and running subtotals are `meetings.selectors.stream_decision_rows`, the same
rows the meeting page and the Berita Acara show, read in chunks so that a meeting of tens of thousands of decisions
is written in flat memory (by the worker: `meetings.jobs`); `programs.xlsx.render` writes the workbook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from meetings.models import Attendance, Decision, Meeting
from meetings.selectors import (
    ZERO,
    DecisionRow,
    DecisionSummary,
    MeetingTotals,
    RegencyDecisions,
    meeting_decision_totals,
    meeting_decisions,
    stream_decision_rows,
)
from programs.xlsx.cells import blank_zero, text
from programs.xlsx.render import Column, Kind, Row, SheetSpec, Style, render_workbook
from rakornis.terbilang import date_in_words

COLUMNS = [
    Column("No", Kind.COUNT, 5, align="center"),
    Column("ID Usulan", width=20),
    Column("Kode Sub Kegiatan", width=18),
    Column("Nama Usulan", width=34, wrap=True),
    Column("Lokasi", width=22, wrap=True),
    Column("Pengusul", width=18, wrap=True),
    Column("Pagu Usulan", Kind.MONEY, 18),
    Column("Keputusan", width=16, wrap=True),
    Column("Volume", Kind.VOLUME, 9),
    Column("Satuan", width=8),
]
TAIL = [
    Column("Jumlah Disepakati", Kind.MONEY, 18),
    Column("Pelaksana", width=18, wrap=True),
    Column("Catatan", width=26, wrap=True),
]


def _decision_row(number: int, row: DecisionRow) -> list[Any]:
    decision = row.decision
    proposal = decision.proposal
    counted = decision.is_counted
    note = decision.reason
    if decision.merged_into is not None:
        note = f"Digabung ke {decision.merged_into.number}. {note}".strip()
    return [
        number,
        proposal.number,
        proposal.sub_activity.code if proposal.sub_activity else "Di luar nomenklatur",
        proposal.name,
        text(proposal.location),
        proposal.agency.short_name,
        row.proposed_amount,
        decision.get_outcome_display(),
        (decision.agreed_volume or proposal.volume) if counted else None,
        proposal.unit if counted else "",
        *row.scheme_amounts,
        row.total_amount,
        decision.executing_agency.short_name if decision.executing_agency else "",
        text(note),
    ]


def _sum_row(label: str, totals: RegencyDecisions | DecisionSummary, count: int, style: Style) -> Row:
    shown = totals.totals if style is Style.TOTAL else [blank_zero(amount) for amount in totals.totals]
    note = f"{totals.counted} dari {count} usulan disepakati"
    return Row(["", "", "", label, "", "", totals.proposed, "", None, "", *shown, totals.total, "", note], style)


# Decisions read from the database per chunk: a few MB of objects at a time, whatever the meeting.
CHUNK_SIZE = 1000


def meeting_annex_sheets(
    *, meeting: Meeting, decisions: QuerySet[Decision] | None = None, user: Any = None
) -> list[SheetSpec]:
    """The meeting's decisions (narrowed to `decisions`, e.g. `Decision.objects.for_user(user)`), grouped by
    kabupaten/kota with subtotals; agreed amounts count only for decisions agreed with or without changes. The
    rows are a generator: the decisions are read while the workbook is written.

    The scheme columns come from the meeting's decision summary, of what `user` sees, when `user` is given (or
    nothing narrows the decisions); from the decisions themselves otherwise (`meeting_decision_totals`)."""
    if user is not None or decisions is None:
        schemes = meeting_decision_totals(meeting, user=user).schemes
    else:
        schemes = meeting_decision_totals(meeting, decisions=decisions).schemes
    columns = [
        *COLUMNS,
        *(Column(f"Disepakati {scheme.short_name}", Kind.MONEY, 17) for scheme in schemes),
        *TAIL,
    ]

    def rows() -> Iterator[Row | list[Any]]:
        number = 0
        group: RegencyDecisions | None = None
        grand = DecisionSummary(
            schemes=schemes, groups=[], totals=[ZERO] * len(schemes), total=ZERO, count=0, outcomes=[]
        )
        stream = meeting_decisions(meeting, decisions=decisions).iterator(chunk_size=CHUNK_SIZE)
        for current, row in stream_decision_rows(stream, schemes):
            if current is not group:
                if group is not None:
                    yield _sum_row(f"Jumlah {group.region.name}", group, group.row_count, Style.SUBTOTAL)
                group = current
                region = group.region
                # In the ID column, left-aligned, running on over the empty cells to its right.
                yield Row(["", f"{region.code} {region.name}"] + [""] * (len(columns) - 2), Style.GROUP2)
            number += 1
            yield _decision_row(number, row)
            grand.totals = [t + (a or 0) for t, a in zip(grand.totals, row.scheme_amounts, strict=True)]
            grand.total += row.total_amount or 0
            grand.proposed += row.proposed_amount
            grand.counted += row.decision.is_counted
        if group is not None:
            yield _sum_row(f"Jumlah {group.region.name}", group, group.row_count, Style.SUBTOTAL)
        yield _sum_row("JUMLAH", grand, number, Style.TOTAL)

    starts = timezone.localtime(meeting.starts_at)
    place = ", ".join(part for part in (meeting.venue, meeting.city) if part)
    return [
        SheetSpec(
            name="Lampiran Kesepakatan",
            columns=columns,
            rows=rows(),
            title_lines=[
                f"Lampiran Berita Acara {meeting.title}",
                f"Kesepakatan Usulan Tahun Anggaran {meeting.fiscal_year}",
                f"{place}, {date_format(starts, 'DATE_FORMAT')}",
            ],
        )
    ]


def meeting_annex_workbook(*, meeting: Meeting, decisions: QuerySet[Decision] | None = None, user: Any = None) -> bytes:
    return render_workbook(meeting_annex_sheets(meeting=meeting, decisions=decisions, user=user))


def minutes_context(
    meeting: Meeting, *, attendances: list[Attendance], attendance_count: int, totals: MeetingTotals
) -> dict[str, Any]:
    """What the Berita Acara says around its decision table, on screen and in the full document (`meetings.jobs`)."""
    starts = timezone.localtime(meeting.starts_at).date()
    ends = timezone.localtime(meeting.ends_at).date()
    return {
        "meeting": meeting,
        "starts_in_words": date_in_words(starts),
        "ends_in_words": date_in_words(ends) if ends != starts else "",
        "totals": totals,
        "attendances": attendances,
        "attendance_count": attendance_count,
        "signed_on": starts,
    }

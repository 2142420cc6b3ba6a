"""A meeting's full Berita Acara and its Excel annex as background jobs (`programs.jobs`), for a meeting whose
decisions are too many to answer in a request (tens of thousands at the province's big Rakornis).

Both read the decisions in chunks (`meetings.selectors.stream_decision_rows`) and write as they read, so the worker's
memory does not grow with the meeting. The Berita Acara is one printable HTML file: the same templates as the page,
with its stylesheets inside, so that it prints the same when opened from the disk, offline, a year later.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.files import File
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from meetings.exports import CHUNK_SIZE, meeting_annex_sheets, minutes_context
from meetings.minutes import (
    NO_DESK_LABEL,
    MeetingBreakdown,
    desk_runs,
    minutes_decisions,
    minutes_sections,
    minutes_signatories,
)
from meetings.models import Decision, Meeting
from meetings.selectors import (
    DecisionRow,
    DecisionSummary,
    MeetingTotals,
    RegencyDecisions,
    meeting_decision_totals,
    stream_decision_rows,
)
from programs.jobs import PROGRESS_EVERY, JobFailed, write_sheets
from programs.models import ExcelJob
from rakornis import policy
from rakornis.policy import Action

# What the printed document needs of the site's styles: Bootstrap's tables and utilities, and the A4 sheet.
DOCUMENT_STYLESHEETS = ("vendor/bootstrap/bootstrap.min.css", "css/minutes.css")


def _meeting(job: ExcelJob) -> Meeting:
    """The job's meeting, checked again for the job's user: roles may have changed since the job was queued."""
    meeting = (
        Meeting.objects.for_user(job.user).select_related("organiser__region").filter(pk=job.params["meeting"]).first()
    )
    if meeting is None or not policy.may_on_meeting(job.user, Action.READ_MINUTES, meeting):
        raise JobFailed("Rapat tidak ditemukan atau Berita Acaranya bukan untuk Anda.")
    return meeting


def _stylesheet() -> SafeString:
    """The document's own <style>: our shipped static files, never user data, inlined so the file stands alone (a
    file opened from the disk is under no Content-Security-Policy)."""
    parts = []
    for name in DOCUMENT_STYLESHEETS:
        found = finders.find(name)
        if found:
            parts.append(Path(str(found)).read_text(encoding="utf-8").replace("</style", ""))
    return mark_safe("<style>\n" + "\n".join(parts) + "\n</style>")


def minutes_document(
    meeting: Meeting, *, decisions, totals: MeetingTotals, user: Any = None, progress=None
) -> Iterator[str]:
    """The full Berita Acara as HTML, in pieces: the document (bases, recaps, clause, signatures), then Lampiran I:
    each kabupaten/kota's decisions (desk by desk when the meeting has desks) in chunks of CHUNK_SIZE rows, then the
    recap by kabupaten/kota x source and Lampiran II, the attendance. `progress(done)` is called every
    PROGRESS_EVERY decisions. The recaps by desk and origin are those of what `user` sees (every decision without),
    from the meeting's decision summary: `decisions` is to be `Decision.objects.for_user(user)`."""
    attendances = list(meeting.attendances.select_related("agency"))
    sections = minutes_sections(meeting, totals=totals, user=user)
    breakdown: MeetingBreakdown = sections["breakdown"]
    by_desk = bool(breakdown.desks)
    context = {
        **minutes_context(meeting, attendances=attendances, attendance_count=len(attendances), totals=totals),
        **sections,
        "signatories": minutes_signatories(attendances),
        "complete_attendance": True,
        "stylesheet": _stylesheet(),
        # The table's columns and grand total: the aggregates, which the streamed subtotals add up to.
        "summary": DecisionSummary(
            schemes=totals.schemes,
            groups=[],
            totals=totals.totals,
            total=totals.total,
            count=totals.count,
            outcomes=[],
        ),
        "editable": False,
    }
    yield render_to_string("meetings/minutes_document_start.html", context)

    def body(group: RegencyDecisions, rows: list[DecisionRow], *, heading: bool, subtotal: bool) -> str:
        return render_to_string(
            "meetings/includes/decision_group.html",
            {**context, "group": group, "rows": rows, "heading": heading, "subtotal": subtotal},
        )

    def desk_row(desk_id: int | None, *, heading: bool) -> str:
        total = breakdown.desk(desk_id)
        label = total.label if total is not None else NO_DESK_LABEL
        subtotal = not heading and total is not None
        return render_to_string(
            "meetings/includes/minutes_decision_desk.html",
            {**context, "heading": heading, "subtotal": subtotal, "label": label, "total": total},
        )

    done = 0
    stream = minutes_decisions(meeting, decisions=decisions, by_desk=by_desk).iterator(chunk_size=CHUNK_SIZE)
    # One run per desk (the whole stream when the meeting has none), each by kabupaten/kota with its subtotals.
    for desk_id, run in desk_runs(stream) if by_desk else [(None, stream)]:
        if by_desk:
            yield desk_row(desk_id, heading=True)
        group: RegencyDecisions | None = None
        rows: list[DecisionRow] = []
        heading = True
        for current, row in stream_decision_rows(run, totals.schemes):
            if current is not group:
                if group is not None:
                    yield body(group, rows, heading=heading, subtotal=True)
                group, rows, heading = current, [], True
            rows.append(row)
            if len(rows) == CHUNK_SIZE:
                yield body(group, rows, heading=heading, subtotal=False)
                rows, heading = [], False
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
        if group is not None:
            yield body(group, rows, heading=heading, subtotal=True)
        if by_desk:
            yield desk_row(desk_id, heading=False)
    yield render_to_string("meetings/minutes_document_end.html", context)


def run_meeting_minutes(job: ExcelJob) -> None:
    meeting = _meeting(job)
    decisions = Decision.objects.for_user(job.user)
    totals = meeting_decision_totals(meeting, user=job.user)
    ExcelJob.objects.filter(pk=job.pk).update(rows_total=totals.count)

    def progress(done: int) -> None:
        ExcelJob.objects.filter(pk=job.pk).update(rows_done=done)

    with tempfile.TemporaryDirectory() as directory, translation.override("id"):
        path = Path(directory) / "berita-acara.html"
        with path.open("w", encoding="utf-8") as target:
            for piece in minutes_document(
                meeting, decisions=decisions, totals=totals, user=job.user, progress=progress
            ):
                target.write(piece)
        with path.open("rb") as handle:
            job.file.save(f"{secrets.token_urlsafe(12)}.html", File(handle), save=False)
    job.rows_total = job.rows_done = totals.count
    job.summary = f"Berita Acara {meeting.title}: {totals.count:,} keputusan.".replace(",", ".")


def run_meeting_annex(job: ExcelJob) -> None:
    meeting = _meeting(job)
    decisions = Decision.objects.for_user(job.user)
    total = decisions.filter(meeting=meeting).count()
    ExcelJob.objects.filter(pk=job.pk).update(rows_total=total)
    with translation.override("id"):
        write_sheets(job, meeting_annex_sheets(meeting=meeting, decisions=decisions, user=job.user))
    job.rows_total = job.rows_done = total
    job.summary = f"Lampiran Berita Acara {meeting.title}: {total:,} keputusan.".replace(",", ".")

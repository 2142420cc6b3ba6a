"""Benchmark of one big meeting's pages (issue 11): builds a meeting with `--decisions` decisions on its own database
(bulk INSERTs, not the services), then prints, per page and role, the median time in process (Django test client),
the queries and the bytes; with `--before`, the same pages as they were before the meeting decision summary (their
totals and recaps grouped from the decisions, the filtered list counted with COUNT(*)); and the plan of the first
page of the decision list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h1_meeting_bench .venv/bin/python bench/meeting_bench.py \
        [--decisions 20000] [--repeat 5] [--before] [--keep]

Empties its database first (migrate, reference data, then the meeting): give it a PostgreSQL database with "bench"
in its name. `--keep` reuses the meeting already built there.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from unittest import mock

from bench_setup import setup_django

setup_django("/tmp/rakornis_meeting_bench.sqlite3", empties_database=True)

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from agencies.models import Agency, Region, StaffRole  # noqa: E402
from meetings import minutes, selectors, views  # noqa: E402
from meetings.models import Decision, DecisionFunding, Desk, Meeting  # noqa: E402
from meetings.selectors import meeting_decision_totals, meeting_decisions  # noqa: E402
from meetings.summary import meeting_summary_rebuild  # noqa: E402
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding  # noqa: E402

TITLE = "Rakornis bench meeting"
OUTCOMES = [
    Decision.Outcome.AGREED,
    Decision.Outcome.AGREED,
    Decision.Outcome.AGREED_WITH_CHANGES,
    Decision.Outcome.MERGED,
    Decision.Outcome.DEFERRED,
    Decision.Outcome.REJECTED,
]
ORIGINS = list(Proposal.Origin.values)
SCHEME_CODES = ["APBD_PROV", "APBD_KAB", "BKP", "DAK_FISIK"]
BATCH = 2000


def build(count: int) -> Meeting:
    """Reference data, two users and a meeting of Kalsel with `count` decisions over its 13 kabupaten/kota, every
    outcome, four schemes, two desks and outside any, every origin."""
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    organiser = Agency.objects.filter(region__code="63", level=Agency.Level.PROVINCIAL).order_by("pk").first()
    assert organiser is not None
    regencies = list(Region.objects.regencies().filter(code__startswith="63.").order_by("code"))
    agencies = {a.region_id: a for a in Agency.objects.filter(region__in=regencies).order_by("-pk")}
    schemes = [FundingScheme.objects.get(code=code) for code in SCHEME_CODES]
    sub_activity = Nomenclature.objects.filter(level=Nomenclature.Level.SUB_ACTIVITY, code__startswith="1.03.").first()
    users = get_user_model().objects
    secretary = users.create_user("bench.sekretariat")
    StaffRole.objects.create(user=secretary, agency=organiser, role=StaffRole.Role.SECRETARY)
    operator = users.create_user("bench.operator")
    StaffRole.objects.create(user=operator, agency=agencies[regencies[2].pk], role=StaffRole.Role.OPERATOR)
    meeting = Meeting.objects.create(
        kind=Meeting.Kind.RAKORNIS,
        title=TITLE,
        organiser=organiser,
        starts_at=datetime(2026, 1, 29, 1, tzinfo=UTC),
        ends_at=datetime(2026, 1, 29, 8, tzinfo=UTC),
        venue="Banjarmasin",
        fiscal_year=2027,
    )
    desks = [Desk.objects.create(meeting=meeting, name=name) for name in ("Desk PUPR", "Desk Perkim")] + [None]
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        indexes = range(start, min(start + BATCH, count))
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    number=Proposal.format_number(2027, regencies[i % 13].code, 10_000 + i // 13),
                    fiscal_year=2027,
                    region=regencies[i % 13],
                    agency=agencies[regencies[i % 13].pk],
                    sub_activity=sub_activity,
                    name=f"Usulan bench {i}",
                    volume=Decimal(1),
                    unit="km",
                    origin=ORIGINS[i % len(ORIGINS)],
                    status=Decision.PROPOSAL_STATUS[OUTCOMES[i % len(OUTCOMES)]],
                    total_amount=Decimal(1_000_000_000),
                )
                for i in indexes
            ]
        )
        ProposalFunding.objects.bulk_create(
            [
                ProposalFunding(proposal=p, scheme=schemes[i % len(schemes)], amount=Decimal(1_000_000_000))
                for i, p in zip(indexes, proposals, strict=True)
            ]
        )
        decisions = Decision.objects.bulk_create(
            [
                Decision(
                    meeting=meeting,
                    proposal=p,
                    outcome=(outcome := OUTCOMES[i % len(OUTCOMES)]),
                    desk=desks[i % len(desks)],
                    reason="bench" if outcome in Decision.REASON_REQUIRED_OUTCOMES else "",
                    merged_into=proposals[0] if outcome == Decision.Outcome.MERGED and p != proposals[0] else None,
                )
                for i, p in zip(indexes, proposals, strict=True)
                if not (OUTCOMES[i % len(OUTCOMES)] == Decision.Outcome.MERGED and p == proposals[0])
            ]
        )
        DecisionFunding.objects.bulk_create(
            [
                DecisionFunding(decision=d, scheme=schemes[d.proposal_id % len(schemes)], amount=Decimal(800_000_000))
                for d in decisions
            ]
        )
    print(
        f"built {Decision.objects.filter(meeting=meeting).count():,} decisions in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    meeting_summary_rebuild(meeting)
    print(f"summary rebuilt in {time.perf_counter() - started:.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return meeting


def measure(client: Client, path: str, params: dict[str, Any], repeat: int) -> tuple[float, float, int, int, int]:
    """(median ms, median ms in SQL, queries, bytes, status) of `repeat` GETs after one warm-up. The SQL time is
    less sensitive to a busy machine than the wall clock, which here includes DEBUG's template loading."""
    client.get(path, params)
    times, sql = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - start) * 1000)
        sql.append(sum(float(query["time"]) for query in captured.captured_queries) * 1000)
    return statistics.median(times), statistics.median(sql), len(captured), len(response.content), response.status_code


def before(stack: ExitStack, meeting: Meeting) -> None:
    """The pages as before the summary: totals and recaps grouped from the user's decisions, and the paginator's
    count of a list filtered by outcome and kabupaten/kota from COUNT(*) (the totals did not cross the two)."""

    def totals(meeting, *, user=None, decisions=None):
        return meeting_decision_totals(meeting, decisions=Decision.objects.for_user(user))

    def breakdown(meeting, *, schemes, user=None, decisions=None):
        return real_breakdown(meeting, schemes=schemes, decisions=Decision.objects.for_user(user))

    def count_of(self, *, outcome="", region_id=None):
        if outcome and region_id is not None:
            crossed = Decision.objects.filter(meeting=meeting, outcome=outcome, proposal__region_id=region_id)
            return crossed.count()
        return real_count_of(self, outcome=outcome, region_id=region_id)

    real_breakdown, real_count_of = minutes.meeting_decision_breakdown, selectors.MeetingTotals.count_of
    stack.enter_context(mock.patch.object(views, "meeting_decision_totals", totals))
    stack.enter_context(mock.patch.object(minutes, "meeting_decision_breakdown", breakdown))
    stack.enter_context(mock.patch.object(selectors.MeetingTotals, "count_of", count_of))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", action="store_true", help="also measure the pages as before the summary")
    parser.add_argument("--keep", action="store_true", help="reuse the meeting already built")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    meeting = Meeting.objects.filter(title=TITLE).first() if args.keep else None
    if meeting is None:
        meeting = build(args.decisions)
    count = Decision.objects.filter(meeting=meeting).count()
    tapin = Region.objects.get(code="63.05")
    pages: list[tuple[str, str, dict[str, Any]]] = [
        ("meeting page", reverse("meetings:meeting-detail", args=[meeting.pk]), {}),
        ("meeting page, page 100", reverse("meetings:meeting-detail", args=[meeting.pk]), {"hal": 100}),
        (
            "meeting page, agreed in Tapin",
            reverse("meetings:meeting-detail", args=[meeting.pk]),
            {"keputusan": "agreed", "wilayah": tapin.pk},
        ),
        ("Berita Acara", reverse("meetings:meeting-minutes", args=[meeting.pk]), {}),
    ]
    users = get_user_model().objects
    print(f"\n{count:,} decisions; median of {args.repeat} GETs in process\n")
    print(f"{'variant':<10} {'user':<20} {'page':<32} {'ms':>8} {'sql ms':>8} {'queries':>8} {'bytes':>9} status")
    for variant in ["before", "after"] if args.before else ["after"]:
        with ExitStack() as stack:
            if variant == "before":
                before(stack, meeting)
            for username in ("bench.sekretariat", "bench.operator"):
                client = Client()
                client.force_login(users.get(username=username))
                for label, path, params in pages:
                    if username == "bench.operator" and label == "Berita Acara":
                        continue  # kabupaten staff do not read the provincial Berita Acara (403)
                    ms, sql, queries, size, status = measure(client, path, params, args.repeat)
                    print(
                        f"{variant:<10} {username:<20} {label:<32} {ms:8.1f} {sql:8.1f} {queries:8d} {size:9,d} "
                        f"{status}"
                    )
    secretary = users.get(username="bench.sekretariat")
    totals = meeting_decision_totals(meeting, user=secretary)
    first_page = meeting_decisions(meeting, decisions=Decision.objects.for_user(secretary), schemes=totals.schemes)
    print("\nEXPLAIN ANALYZE of the first page of the decision list:\n")
    print(first_page[:50].explain(analyze=True))


if __name__ == "__main__":
    main()

"""The whole demo in one transaction: accounts, meetings, then the generated proposals, chunk by chunk."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import reset_queries, transaction

from meetings.models import Attendance, DecisionFunding, Meeting
from programs.models import Proposal, ProposalFunding
from programs.summary import summary_deferred
from rakornis.demo.accounts import demo_accounts_ensure
from rakornis.demo.generator import Generator
from rakornis.demo.indicators import demo_indicators_ensure
from rakornis.demo.meetings import RAKORNIS, demo_desks_decide, demo_meetings_close, demo_meetings_ensure
from rakornis.demo.reference import DemoReference, MissingReferenceData, demo_reference_load
from rakornis.demo.writer import Bulk, OneByOne, write_chunk
from rakornis.models import AuditEntry

DEFAULT_SEED = 2027
DEFAULT_PROPOSALS = 300
CHUNK_SIZE = 5_000
# Up to this many proposals, every step is a call of the one-proposal services, as the pages make them; above it,
# their bulk forms (same checks, same rows) keep a benchmark of a million proposals within minutes.
ONE_BY_ONE_LIMIT = 1_000


@dataclass
class ProposalCounts:
    proposals: int = 0
    carried_over: int = 0
    funding_lines: int = 0
    decisions: int = 0
    decision_lines: int = 0
    audit_entries: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class SeedResult:
    skipped: str = ""  # why nothing (or no proposal) was generated
    accounts: int = 0
    meetings: int = 0
    attendances: int = 0
    indicators: int = 0
    proposals: ProposalCounts | None = None
    elapsed: float = 0.0


def demo_proposals_create(
    *,
    reference: DemoReference,
    users: dict[str, User],
    meeting: Meeting,
    count: int,
    seed: int,
    chunk_size: int = CHUNK_SIZE,
    one_by_one: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> ProposalCounts:
    """`count` TA 2027 proposals taken through the workflow to their drawn status, decisions at `meeting`, TA 2028
    copies of some deferred ones. Memory stays flat: a chunk is written before the next is drawn, and only a few
    rows (merge targets) are kept across chunks. The caller holds the transaction."""
    if count and meeting.is_closed:
        raise MissingReferenceData(
            f"{meeting} sudah ditutup, sehingga kesepakatan usulan demo tidak dapat dicatat lagi. Usulan demo hanya "
            "dibuat pada basis data kosong: `flush`, lalu `load_reference_data` dan `seed_demo`."
        )
    if one_by_one is None:
        one_by_one = count <= ONE_BY_ONE_LIMIT
    generator = Generator(reference=reference, seed=seed)
    writer = (OneByOne if one_by_one else Bulk)(reference=reference, users=users, meeting=meeting)
    counts = ProposalCounts(by_status=dict.fromkeys(Proposal.Status.values, 0))
    audit_before = AuditEntry.objects.count()
    while counts.proposals < count:
        rows = [generator.next() for _ in range(min(chunk_size, count - counts.proposals))]
        copies = write_chunk(writer, rows)
        counts.proposals += len(rows)
        counts.carried_over += len(copies)
        for row in rows:
            counts.by_status[row.status] += 1
        reset_queries()  # with DEBUG on, Django keeps every query; a million-row run must not
        if progress is not None:
            progress(counts.proposals)
    counts.funding_lines = ProposalFunding.objects.count()
    counts.decisions = meeting.decisions.count()
    counts.decision_lines = DecisionFunding.objects.filter(decision__meeting=meeting).count()
    counts.audit_entries = AuditEntry.objects.count() - audit_before
    return counts


def demo_seed(
    *,
    proposals: int = DEFAULT_PROPOSALS,
    seed: int = DEFAULT_SEED,
    if_empty: bool = False,
    chunk_size: int = CHUNK_SIZE,
    one_by_one: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Seed the demo in one transaction; see the package docstring for what a second run does."""
    started = time.perf_counter()
    if if_empty and (existing := Proposal.objects.count()):
        return SeedResult(skipped=f"basis data sudah berisi {existing} usulan", elapsed=time.perf_counter() - started)
    reference = demo_reference_load()
    result = SeedResult()
    with transaction.atomic():
        users = demo_accounts_ensure(reference=reference)
        meetings = demo_meetings_ensure(reference=reference, users=users)
        result.accounts, result.meetings = len(users), len(meetings)
        result.indicators = demo_indicators_ensure(users=users)
        if existing := Proposal.objects.count():
            result.skipped = f"basis data sudah berisi {existing} usulan; usulan demo tidak dibuat ulang"
        else:
            # The services skip the proposal summary while seeding; one rebuild at the end adds everything up.
            with summary_deferred():
                result.proposals = demo_proposals_create(
                    reference=reference,
                    users=users,
                    meeting=meetings[RAKORNIS.key],
                    count=proposals,
                    seed=seed,
                    chunk_size=chunk_size,
                    one_by_one=one_by_one,
                    progress=progress,
                )
            if proposals:
                demo_meetings_close(meetings=meetings, users=users)
        # The Rakortekrenbang's desks decide some verified proposals once (also on a database seeded before it).
        demo_desks_decide(meetings=meetings, users=users)
        result.attendances = Attendance.objects.filter(meeting__in=meetings.values()).count()
    result.elapsed = time.perf_counter() - started
    return result

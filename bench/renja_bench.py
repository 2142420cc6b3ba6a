"""Benchmark of the Renja sync (not a test): seeds N agreed proposals with decisions, times the sync.

    .venv/bin/python bench/renja_bench.py [--agreed 50000] [--wide]

Uses its own SQLite database (/tmp/rakornis_renja_bench.sqlite3) unless DATABASE_URL is set; a PostgreSQL database
must have "bench" in its name, because the script empties the proposals, meetings and work plans it finds.
`--wide` adds 4,000 synthetic sub kegiatan, so most proposals get a Renja line of their own (the worst case).
"""

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bench_setup import setup_django

setup_django("/tmp/rakornis_renja_bench.sqlite3", empties_database=True)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from agencies.models import Agency, Region  # noqa: E402
from meetings.models import Decision, DecisionFunding, Meeting  # noqa: E402
from programs.models import FundingScheme, Nomenclature, Proposal, ProposalFunding, WorkPlan, WorkPlanItem  # noqa: E402
from rakornis.models import AuditEntry  # noqa: E402
from workplans.services import work_plan_get_or_create, work_plan_sync, work_plan_sync_preview  # noqa: E402

_parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
_parser.add_argument("--agreed", type=int, default=50_000, help="agreed proposals executed by Dinas PUPR Prov. Kalsel")
_parser.add_argument("--wide", action="store_true")
_args = _parser.parse_args()
N = _args.agreed
# `wide`: 4,000 synthetic sub kegiatan, so most proposals get a line of their own (tens of thousands of lines).
WIDE = _args.wide
YEAR = 2027
BATCH = 5000


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s", flush=True)
    return result, seconds


def seed():
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    with transaction.atomic():
        WorkPlanItem.objects.all().delete()
        WorkPlan.objects.all().delete()
        DecisionFunding.objects.all().delete()
        Decision.objects.all().delete()
        Meeting.objects.all().delete()
        ProposalFunding.objects.all().delete()
        Proposal.objects.all().delete()
        AuditEntry.objects.all().delete()
    rng = random.Random(2027)
    pupr = Agency.objects.get(short_name="Dinas PUPR Prov. Kalsel")
    others = list(Agency.objects.filter(region__code__startswith="63.")[:13])
    regencies = list(Region.objects.regencies().filter(code__startswith="63."))
    agency_of = {a.region_id: a for a in Agency.objects.filter(region__in=regencies)}
    if WIDE and not Nomenclature.objects.filter(code="1.03.10.2.01.9000").exists():
        activity = Nomenclature.objects.get(code="1.03.10.2.01")
        Nomenclature.objects.bulk_create(
            Nomenclature(
                code=f"1.03.10.2.01.{9000 - i:04d}",
                level="sub_kegiatan",
                name=f"Sintetis {i}",
                parent=activity,
                government_level="2",
            )
            for i in range(4000)
        )
    subs = list(Nomenclature.objects.sub_activities().values_list("pk", flat=True))
    schemes = {s.code: s for s in FundingScheme.objects.all()}
    rakornis, musrenbang = (
        Meeting.objects.create(
            kind=kind,
            title=f"{kind.label} bench",
            organiser=pupr,
            fiscal_year=YEAR,
            venue=venue,
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
        )
        for kind, venue, starts in (
            (Meeting.Kind.RAKORNIS, "Banjarmasin", datetime(2026, 2, 1, tzinfo=UTC)),
            (Meeting.Kind.MUSRENBANG_PROV, "Banjarbaru", datetime(2026, 4, 20, tzinfo=UTC)),
        )
    )
    # N proposals executed by PUPR Kalsel, plus 10% executed by kabupaten agencies (noise the query must skip).
    total = N + N // 10
    with transaction.atomic():
        for start in range(0, total, BATCH):
            proposals = []
            for i in range(start, min(start + BATCH, total)):
                region = rng.choice(regencies)
                proposals.append(
                    Proposal(
                        number=f"B-{YEAR}-{i:07d}",
                        fiscal_year=YEAR,
                        region=region,
                        agency=agency_of.get(region.pk, pupr),
                        sub_activity_id=rng.choice(subs),
                        name=f"Usulan {i}",
                        volume=Decimal(rng.randint(1, 400)) / 4,
                        unit=rng.choice(["km", "unit", "m"]),
                        location=f"Ruas {rng.randint(1, 50)}",
                        forward_volume=Decimal(rng.randint(1, 20)) if i % 3 == 0 else None,
                        forward_amount=Decimal(rng.randint(1, 50) * 10_000_000) if i % 3 == 0 else None,
                        status=rng.choice(Proposal.AGREED_STATUSES),
                    )
                )
            Proposal.objects.bulk_create(proposals, batch_size=1000)
            decisions, lines = [], []
            for index, proposal in enumerate(proposals):
                executing = pupr if proposal.number < f"B-{YEAR}-{N:07d}" else rng.choice(others)
                # 5%: an earlier Rakornis decision that the Musrenbang (later) supersedes.
                if index % 20 == 0:
                    decisions.append(
                        Decision(
                            meeting=rakornis, proposal=proposal, outcome="agreed", executing_agency=rng.choice(others)
                        )
                    )
                    meeting = musrenbang
                else:
                    meeting = rakornis
                decisions.append(
                    Decision(
                        meeting=meeting,
                        proposal=proposal,
                        outcome=proposal.status,
                        executing_agency=executing,
                        agreed_volume=proposal.volume,
                    )
                )
            Decision.objects.bulk_create(decisions, batch_size=1000)
            for decision in decisions:
                codes = rng.sample(["APBD_PROV", "BKP", "DAK_FISIK", "DAU_PU"], rng.choice([1, 1, 2]))
                for code in codes:
                    lines.append(
                        DecisionFunding(
                            decision=decision, scheme=schemes[code], amount=Decimal(rng.randint(1, 300) * 10_000_000)
                        )
                    )
            DecisionFunding.objects.bulk_create(lines, batch_size=2000)
    # Fresh planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would leave them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return pupr


def main():
    print(f"{connection.vendor}, {N:,} agreed proposals executed by PUPR Kalsel (+{N // 10:,} by others)", flush=True)
    pupr, _ = timed("seed", seed)
    work_plan, _ = work_plan_get_or_create(agency=pupr, fiscal_year=YEAR)
    plan, _ = timed("preview on an empty Renja", lambda: work_plan_sync_preview(work_plan=work_plan))
    print(f"  {plan.summary()}; total {plan.total_after:,}")
    plan, first = timed("first sync (all lines added)", lambda: work_plan_sync(work_plan=work_plan, user=None))
    print(f"  {plan.summary()}; {WorkPlanItem.source_proposals.through.objects.count():,} source links")
    plan, second = timed("second sync (nothing to do)", lambda: work_plan_sync(work_plan=work_plan, user=None))
    print(f"  {plan.summary()}")
    # 10% of decisions get new amounts, 2% are deferred.
    rng = random.Random(1)
    decision_ids = list(Decision.objects.filter(executing_agency=pupr).values_list("pk", flat=True))
    changed = rng.sample(decision_ids, len(decision_ids) // 10)
    deferred = rng.sample(decision_ids, len(decision_ids) // 50)
    with transaction.atomic():
        for start in range(0, len(changed), 1000):
            DecisionFunding.objects.filter(decision_id__in=changed[start : start + 1000]).update(
                amount=Decimal(123_000_000)
            )
        for start in range(0, len(deferred), 1000):
            Decision.objects.filter(pk__in=deferred[start : start + 1000]).update(outcome="deferred", reason="bench")
    plan, third = timed("sync after 10% changed / 2% deferred", lambda: work_plan_sync(work_plan=work_plan, user=None))
    print(f"  {plan.summary()}")
    # The worst case for writes: every proposal its own line (N lines).
    sub_activity_count = Nomenclature.objects.sub_activities().count()
    regency_count = Region.objects.regencies().filter(code__startswith="63.").count()
    print(f"  ({sub_activity_count} sub kegiatan x {regency_count} kab/kota)")


if __name__ == "__main__":
    main()

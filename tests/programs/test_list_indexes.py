"""Every filter and sort of the proposal list has an index the database uses (PostgreSQL; EXPLAIN).

The superuser sees every proposal (no scope join to steer the plan); the table here is small, so sequential scans
are turned off for the statement: the plan then shows whether an index can answer the list's query at all, which is
what a planner needs at 500,000 proposals. Each case names the index that must appear in the plan of the very query
the list runs (`filter_proposals`, its page of ids).
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict

from programs.filters import filter_proposals
from programs.models import Proposal, ProposalFunding
from rakornis.pagination import page_ids
from tests.factories import FundingSchemeFactory, sub_activity

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans and pg_trgm are PostgreSQL's"),
]


@pytest.fixture
def proposals(banjar, tapin, pupr_banjar, pupr_tapin):
    apbd, bkp = FundingSchemeFactory(code="APBD_KAB"), FundingSchemeFactory(code="BKP")
    road = sub_activity()
    rows = Proposal.objects.bulk_create(
        Proposal(
            number=Proposal.format_number(2026 + n % 3, region.code, n),
            fiscal_year=2026 + n % 3,
            region=region,
            agency=agency,
            sub_activity=road,
            name=f"Rehabilitasi Jalan Ruas {n}",
            location=f"Desa {n} STA 0+{n:03d}",
            volume=Decimal(1),
            unit="km",
            status=list(Proposal.Status)[n % 9],
            priority=1 + n % 3,
            origin=list(Proposal.Origin)[n % 5],
            total_amount=Decimal(n * 1_000_000),
        )
        for n in range(1, 2001)
        for region, agency in [((banjar, pupr_banjar), (tapin, pupr_tapin))[n % 2]]
    )
    ProposalFunding.objects.bulk_create(
        ProposalFunding(proposal=row, scheme=apbd if row.pk % 4 else bkp, amount=row.total_amount) for row in rows
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE programs_proposal")
        cursor.execute("ANALYZE programs_proposalfunding")


def plan(user, query: str, *, bitmap: bool = False) -> str:
    """The plan of the list's page of ids; `bitmap`: plain index scans off too, for the filters a small table would
    rather read in the list's order than look up (a search, the overlap rule), to show their own index is usable."""
    _, filtered = filter_proposals(QueryDict(query), user=user)
    sql, params = page_ids(filtered, 0, 51).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if bitmap:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def uses_index(explained: str, index: str) -> bool:
    """Whether the plan reads an index whose name starts with `index`."""
    return any(
        f"{scan} {index}" in explained
        for scan in ("Index Scan using", "Index Scan Backward using", "Index Only Scan using", "Bitmap Index Scan on")
    )


@pytest.mark.parametrize(
    ("query", "index"),
    [
        # Any index that leads with the year answers it; which one is the planner's choice at this size.
        ("fiscal_year=2027", "programs_proposal_"),
        ("fiscal_year=", "programs_proposal_year_number"),
        ("fiscal_year=&status=verified", "programs_proposal_status"),
        ("fiscal_year=&priority=1", "programs_proposal_priority"),
        ("fiscal_year=&origin=pokir", "programs_proposal_origin"),
        ("fiscal_year=2027&sort=-total", "programs_proposal_total"),  # or ..._year_total: both lead to the total
        ("fiscal_year=&sort=total", "programs_proposal_total"),
        ("fiscal_year=&scheme=BKP", "programs_proposalfunding_"),
        ("fiscal_year=&program=1.03.10", "programs_proposal_sub_activity_id"),
        ("fiscal_year=&q=ruas 1234", "programs_proposal_name_trgm"),
        ("fiscal_year=&q=sta 0%2B123", "programs_proposal_location_trgm"),
        ("fiscal_year=&q=USL-2027-63.03-0", "programs_proposal_number_trgm"),
        # The overlap EXISTS probes an index that leads with (year, kabupaten/kota): the rule's own two (with the
        # sub kegiatan and the lowered name or location) at 500,000 proposals; here, where all 2,000 share one sub
        # kegiatan, the planner may take the status or summary one with the same first columns.
        ("fiscal_year=&overlap=true", "programs_proposal_"),
    ],
)
def test_each_filter_is_answered_from_an_index(superuser, proposals, query, index):
    explained = plan(superuser, query, bitmap="q=" in query or "overlap" in query)
    assert uses_index(explained, index) or uses_index(explained, index.replace("_total", "_year_total")), explained
    assert "Seq Scan on programs_proposal " not in explained, explained


def test_filter_by_region_and_agency_use_their_indexes(superuser, proposals, tapin, pupr_tapin):
    assert uses_index(plan(superuser, f"fiscal_year=&region={tapin.code}"), "programs_proposal_region")
    assert uses_index(plan(superuser, f"fiscal_year=&agency={pupr_tapin.pk}"), "programs_proposal_agency")


def test_search_finds_by_number_name_and_location_ignoring_case(verifier, proposals):
    for query, expected in [("q=JALAN RUAS 1234", 1), ("q=desa 1234 sta", 1), ("q=usl-2028-63.05-1235", 1)]:
        _, filtered = filter_proposals(QueryDict(f"fiscal_year=&{query}"), user=verifier)
        assert filtered.count() == expected, query

"""The Renja page stays small whatever the Renja (issue 11): programs and kegiatan with their totals, the sub kegiatan
of one kegiatan on demand (the `kegiatan_rows` partial, or `?kegiatan=` without JavaScript), a page of lines at a
time; the same queries at 5 lines and at 1,300, and the print holds every line."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import Nomenclature, Proposal, WorkPlan, WorkPlanItem, WorkPlanItemFunding
from rakornis.formatting import format_rupiah
from tests.factories import FundingSchemeFactory, ProposalFactory, WorkPlanFactory, regency, sub_activity
from workplans.selectors import LINES_PER_PAGE, SOURCES_SHOWN

pytestmark = pytest.mark.django_db

AMOUNT = Decimal(100_000_000)
FORWARD = Decimal(10_000_000)


def build_renja(work_plan: WorkPlan, *, kegiatan: int, subs: int, regions: int, sources: int = 0) -> None:
    """kegiatan x subs x regions lines in a few bulk INSERTs, each funded AMOUNT by APBD Prov. and, every other line,
    AMOUNT by TP; each with `sources` source proposals."""
    apbd, tp = FundingSchemeFactory(code="APBD_PROV"), FundingSchemeFactory(code="TP")
    places = [regency(f"63.{10 + index:02d}", f"Kabupaten Uji {index}") for index in range(regions)]
    nodes = []
    for k in range(kegiatan):
        first = sub_activity(f"1.03.{10 + k:02d}.1.01.0001", f"Sub kegiatan {k}-0")
        nodes.append(first)
        nodes += Nomenclature.objects.bulk_create(
            Nomenclature(
                code=f"1.03.{10 + k:02d}.1.01.{s + 1:04d}",
                level=Nomenclature.Level.SUB_ACTIVITY,
                name=f"Sub kegiatan {k}-{s}",
                parent=first.parent,
                government_level=Nomenclature.GovernmentLevel.PROVINCE,
            )
            for s in range(1, subs)
        )
    items = WorkPlanItem.objects.bulk_create(
        [
            WorkPlanItem(work_plan=work_plan, sub_activity=node, region=place, target="1 km", forward_amount=FORWARD)
            for node in nodes
            for place in places
        ],
        batch_size=500,
    )
    WorkPlanItemFunding.objects.bulk_create(
        [WorkPlanItemFunding(item=item, scheme=apbd, amount=AMOUNT) for item in items]
        + [WorkPlanItemFunding(item=item, scheme=tp, amount=AMOUNT) for item in items[::2]],
        batch_size=500,
    )
    if sources:
        template = ProposalFactory.build()
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    number=f"USL-{work_plan.fiscal_year}-63.10-{index:05d}",
                    fiscal_year=work_plan.fiscal_year,
                    region=places[0],
                    agency=work_plan.agency,
                    sub_activity=template.sub_activity,
                    name=f"Usulan {index}",
                    volume=Decimal(1),
                    unit="km",
                    status=Proposal.Status.AGREED,
                )
                for index in range(sources)
            ],
            batch_size=500,
        )
        through = WorkPlanItem.source_proposals.through
        through.objects.bulk_create(
            [through(workplanitem_id=item.pk, proposal_id=proposal.pk) for item in items for proposal in proposals],
            batch_size=1000,
        )


def detail(work_plan: WorkPlan) -> str:
    return reverse("workplans:workplan-detail", args=[work_plan.pk])


def partial(work_plan: WorkPlan, code: str) -> str:
    return reverse("workplans:workplan-kegiatan", args=[work_plan.pk, code])


def lines_in(text: str) -> int:
    return text.count("data-line=")


@pytest.fixture
def small(pupr_kalsel):
    work_plan = WorkPlanFactory(agency=pupr_kalsel, fiscal_year=2027)
    build_renja(work_plan, kegiatan=1, subs=1, regions=5, sources=2)
    return work_plan


@pytest.fixture
def large(pupr_kalsel):
    # 4 kegiatan of 25 sub kegiatan in 13 kabupaten/kota: 1,300 lines, 325 in each kegiatan (two pages of lines),
    # each line from 5 proposals.
    work_plan = WorkPlanFactory(agency=pupr_kalsel, fiscal_year=2028)
    build_renja(work_plan, kegiatan=4, subs=25, regions=13, sources=5)
    return work_plan


def test_the_page_shows_programs_and_kegiatan_with_totals_and_no_line(client, planner, large):
    client.force_login(planner)
    response = client.get(detail(large))
    assert response.status_code == 200
    text = response.text
    assert lines_in(text) == 0
    assert text.count("Sub kegiatan 0-") == 0
    # Each kegiatan: 325 lines of AMOUNT, half of them also AMOUNT by TP; its row offers to open it.
    kegiatan = "1.03.10.1.01"
    match = re.search(rf'<tr[^>]*data-group="{re.escape(kegiatan)}"[^>]*>(.*?)</tr>', text, re.S)
    assert match
    row = " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())
    assert "Buka 25 sub kegiatan, 325 baris" in row
    assert format_rupiah(325 * AMOUNT) in row and format_rupiah(163 * AMOUNT) in row
    assert format_rupiah(488 * AMOUNT) in row and format_rupiah(325 * FORWARD) in row
    assert f'href="{detail(large)}?kegiatan={kegiatan}#kegiatan-{kegiatan}"' in text
    assert f'data-url="{partial(large, kegiatan)}"' in text
    # The grand total covers all 1,300 lines.
    assert format_rupiah(1300 * AMOUNT + 650 * AMOUNT) in text
    table = response.context["table"]
    assert table.line_count == 1300
    assert [activity.line_count for program in table.programs for activity in program.groups] == [325] * 4
    assert '<script src="/static/js/renja.js"></script>' in text


def test_the_partial_holds_the_sub_kegiatan_and_a_page_of_lines(client, planner, large):
    client.force_login(planner)
    response = client.get(partial(large, "1.03.11.1.01"))
    assert response.status_code == 200
    text = response.text
    assert "<html" not in text and "<tbody" not in text
    assert lines_in(text) == LINES_PER_PAGE
    assert "Sub kegiatan 1-0" in text and "Sub kegiatan 0-0" not in text
    assert "Baris 1–200 dari 325 di kegiatan ini." in " ".join(text.split())
    assert f'data-url="{partial(large, "1.03.11.1.01")}?halaman=2"' in text

    second = client.get(partial(large, "1.03.11.1.01"), {"halaman": "2"}).text
    assert lines_in(second) == 325 - LINES_PER_PAGE
    assert "Baris 201–325 dari 325" in " ".join(second.split())
    assert "Berikutnya" not in second and "Sebelumnya" in second


def test_a_page_number_out_of_range_shows_the_nearest_page(client, planner, large):
    client.force_login(planner)
    for page in ["0", "-1", "abc", "1" * 40]:
        response = client.get(partial(large, "1.03.10.1.01"), {"halaman": page})
        assert response.status_code == 200
        assert lines_in(response.text) == LINES_PER_PAGE, page
    assert lines_in(client.get(partial(large, "1.03.10.1.01"), {"halaman": "99"}).text) == 325 - LINES_PER_PAGE


def test_without_javascript_the_kegiatan_opens_in_the_page(client, planner, large):
    client.force_login(planner)
    text = client.get(detail(large), {"kegiatan": "1.03.12.1.01"}).text
    assert lines_in(text) == LINES_PER_PAGE
    opened = re.search(r'<tbody id="rows-1\.03\.12\.1\.01" data-kegiatan-rows>', text)
    assert opened, "the open kegiatan's rows are not hidden"
    assert text.count("data-kegiatan-rows hidden") == 3
    # Its link now closes it.
    assert f'href="{detail(large)}"><span data-when-open>Tutup</span>' in text


def test_a_line_names_its_first_sources_and_counts_the_rest(client, planner, large):
    client.force_login(planner)
    text = client.get(partial(large, "1.03.10.1.01")).text
    first = re.search(r"<tr data-line=.*?</tr>", text, re.S)
    assert first
    numbers = re.findall(r"USL-2028-63\.10-\d{5}", first.group(0))
    assert numbers == [f"USL-2028-63.10-{index:05d}" for index in range(SOURCES_SHOWN)]
    assert f"dan {5 - SOURCES_SHOWN} lainnya" in first.group(0)
    # The planner sees Banjar's and every kabupaten's proposals: linked.
    assert first.group(0).count('href="/usulan/') == SOURCES_SHOWN


@pytest.mark.parametrize(
    "code",
    ["1.03.99.1.01", "1.03.10", "1.03.10.1.01.0001", "nope", "1.03.10.1.01'--", "9" * 300, "%3Cscript%3E"],
)
def test_a_kegiatan_the_renja_does_not_hold_is_not_found(client, planner, small, code):
    client.force_login(planner)
    assert client.get(partial(small, code)).status_code == 404
    assert client.get(detail(small), {"kegiatan": code}).status_code == 404


def test_the_partial_outside_the_users_scope_is_not_found(client, operator_banjar, small):
    client.force_login(operator_banjar)
    assert client.get(partial(small, "1.03.10.1.01")).status_code == 404
    assert client.get(reverse("workplans:workplan-print", args=[small.pk])).status_code == 404


def test_the_partial_needs_a_sign_in_and_refuses_a_post(client, planner, small):
    response = client.get(partial(small, "1.03.10.1.01"))
    assert response.status_code == 302 and "/masuk/" in response["Location"]
    client.force_login(planner)
    assert client.post(partial(small, "1.03.10.1.01")).status_code == 405


def queries(client, url: str, data: dict | None = None) -> tuple[int, int]:
    """(queries, bytes) of a GET of `url`, after a first request that may write the session."""
    client.get(url, data)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data)
    assert response.status_code == 200
    return len(captured), len(response.content)


@pytest.mark.parametrize("role", ["planner", "verifier", "viewer", "secretary", "superuser"])
def test_same_queries_at_5_lines_and_at_1300_at_most_12_for_every_role(client, request, role, small, large):
    client.force_login(request.getfixturevalue(role))
    pages = [
        (detail, None),
        (detail, {"kegiatan": "1.03.10.1.01"}),
        (lambda plan: partial(plan, "1.03.10.1.01"), None),
        (lambda plan: reverse("workplans:workplan-print", args=[plan.pk]), None),
    ]
    for url, data in pages:
        at_small, _ = queries(client, url(small), data)
        at_large, size = queries(client, url(large), data)
        assert at_small == at_large, (url(large), data)
        assert at_large <= 12, (url(large), data)


def test_the_page_stays_small_at_1300_lines(client, planner, small, large):
    client.force_login(planner)
    _, collapsed_small = queries(client, detail(small))
    _, collapsed = queries(client, detail(large))
    _, opened = queries(client, detail(large), {"kegiatan": "1.03.10.1.01"})
    # Four kegiatan rows more than the small Renja's one, not 1,300 lines.
    assert collapsed < collapsed_small + 20_000
    assert opened < 1_000_000
    assert opened - collapsed < LINES_PER_PAGE * 3_000


def test_the_print_holds_every_line(client, planner, large):
    client.force_login(planner)
    response = client.get(reverse("workplans:workplan-print", args=[large.pk]))
    assert response.status_code == 200
    assert lines_in(response.text) == 1300
    assert "data-print" in response.text
    assert format_rupiah(1950 * AMOUNT) in response.text


def test_a_renja_too_big_to_print_points_to_its_excel(client, planner, large, monkeypatch):
    monkeypatch.setattr("workplans.views.PRINT_LINE_LIMIT", 1000)
    client.force_login(planner)
    response = client.get(reverse("workplans:workplan-print", args=[large.pk]))
    assert response.status_code == 200
    assert lines_in(response.text) == 0
    assert "lebih dari 1.000 baris" in response.text
    assert reverse("workplans:workplan-export", args=[large.pk]) in response.text


def test_an_empty_renja_says_so(client, planner, pupr_kalsel):
    work_plan = WorkPlanFactory(agency=pupr_kalsel)
    client.force_login(planner)
    assert "Renja ini belum berisi baris." in client.get(detail(work_plan)).text
    assert client.get(partial(work_plan, "1.03.10.1.01")).status_code == 404

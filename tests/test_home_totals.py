"""The home page shows one fiscal year, the planning year, and says what its totals count."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Decision
from programs.models import Proposal
from programs.summary import summary_rebuild
from rakornis import fiscal_year
from tests.factories import (
    FundingSchemeFactory,
    MeetingFactory,
    agreed_proposal,
    funded_proposal,
)

pytestmark = pytest.mark.django_db

WITA = ZoneInfo("Asia/Makassar")
HOME = reverse("home")


def amount(page: str, element_id: str) -> Decimal:
    """The rupiah amount shown in the element `element_id`, as a number (`Rp 1.500.000.000` -> 1500000000)."""
    match = re.search(rf'id="{element_id}">Rp ([\d.]+)<', page)
    assert match, f"no amount in #{element_id}"
    return Decimal(match.group(1).replace(".", ""))


def home_of(client, user, year: int) -> str:
    client.force_login(user)
    client.post(reverse("fiscal-year-switch"), {"year": str(year)})
    response = client.get(HOME)
    assert response.status_code == 200
    return response.text


@pytest.fixture
def schemes():
    return {code: FundingSchemeFactory(code=code, order=order) for order, code in enumerate(["APBD_PROV", "BKP"])}


@pytest.fixture
def years(banjar, tapin, pupr_banjar, pupr_tapin, schemes):
    """Banjar and Tapin proposals in 2027, 2028 and a mistyped 2099."""
    banjar_2027 = funded_proposal(region=banjar, agency=pupr_banjar, status="submitted", amount=1_000_000_000)
    funded_proposal(region=banjar, agency=pupr_banjar, status="submitted", amount=20_000_000, fiscal_year=2028)
    funded_proposal(region=banjar, agency=pupr_banjar, status="verified", amount=9_900_000, fiscal_year=2099)
    funded_proposal(region=tapin, agency=pupr_tapin, status="verified", amount=700_000_000)
    return banjar_2027


def test_the_operator_sees_their_kabupaten_in_the_planning_year_only(client, operator_banjar, years):
    page = home_of(client, operator_banjar, 2027)
    assert "Usulan TA 2027 per status" in page
    assert "Pagu TA 2027 per skema pendanaan" in page
    assert amount(page, "proposed-total") == 1_000_000_000  # not 2028, 2099, nor Tapin's
    page = home_of(client, operator_banjar, 2028)
    assert amount(page, "proposed-total") == 20_000_000


@pytest.mark.parametrize("persona", ["verifier", "viewer"])
def test_provincial_staff_see_every_kabupaten_of_that_year(client, request, persona, years):
    user = request.getfixturevalue(persona)
    assert amount(home_of(client, user, 2027), "proposed-total") == 1_700_000_000
    assert amount(home_of(client, user, 2099), "proposed-total") == 9_900_000


def test_without_a_choice_the_home_page_shows_the_default_year(client, viewer, banjar, pupr_banjar, schemes):
    default = fiscal_year.default_year()
    funded_proposal(region=banjar, agency=pupr_banjar, status="submitted", amount=300_000_000, fiscal_year=default)
    funded_proposal(region=banjar, agency=pupr_banjar, status="submitted", amount=5_000_000, fiscal_year=default + 1)
    client.force_login(viewer)
    page = client.get(HOME).text
    assert f"Usulan TA {default} per status" in page
    assert amount(page, "proposed-total") == 300_000_000


@pytest.mark.parametrize(
    "status", [Proposal.Status.DRAFT, Proposal.Status.REJECTED, Proposal.Status.MERGED, Proposal.Status.DEFERRED]
)
def test_drafts_rejected_merged_and_deferred_are_left_out_of_the_proposed_total(
    client, viewer, banjar, pupr_banjar, schemes, status
):
    funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.VERIFIED, amount=400_000_000)
    funded_proposal(region=banjar, agency=pupr_banjar, status=status, amount=250_000_000)
    page = home_of(client, viewer, 2027)
    assert amount(page, "proposed-total") == 400_000_000
    # ... but they are counted, by status, in the number of proposals of the year.
    assert re.search(r"Jumlah usulan TA 2027</td><td class=\"amount\">2<", page)
    assert "1 usulan" in page  # the number of proposals behind the proposed total


def test_a_carried_over_proposal_counts_once_in_its_own_year(client, viewer, planner, banjar, pupr_banjar, schemes):
    from programs import services

    original = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DEFERRED, amount=600_000_000)
    copy = services.proposal_carry_over(proposal=original, user=planner)
    Proposal.objects.filter(pk=copy.pk).update(status=Proposal.Status.SUBMITTED)
    summary_rebuild()  # written around the services
    assert copy.fiscal_year == 2028
    assert amount(home_of(client, viewer, 2027), "proposed-total") == 0
    assert amount(home_of(client, viewer, 2028), "proposed-total") == 600_000_000


def test_the_agreed_total_adds_what_the_deciding_meeting_agreed(client, viewer, pupr_kalsel, banjar, pupr_banjar):
    early = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 1, 29, 9, tzinfo=WITA))
    late = MeetingFactory(organiser=pupr_kalsel, starts_at=datetime(2026, 3, 2, 9, tzinfo=WITA))
    changed = agreed_proposal(
        executing_agency=pupr_kalsel,
        meeting=early,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        funding={"APBD_PROV": 800_000_000},
        proposal_funding={"APBD_PROV": 1_000_000_000},
        region=banjar,
        agency=pupr_banjar,
    )
    assert changed.status == Proposal.Status.AGREED_WITH_CHANGES
    # Agreed at the first meeting, rejected at the later one: the later decision decides, nothing is agreed.
    overruled = agreed_proposal(
        executing_agency=pupr_kalsel, meeting=early, funding={"BKP": 50_000_000}, region=banjar, agency=pupr_banjar
    )
    Decision.objects.create(meeting=late, proposal=overruled, outcome=Decision.Outcome.REJECTED, reason="Bukan urusan")
    Proposal.objects.filter(pk=overruled.pk).update(status=Proposal.Status.REJECTED)
    summary_rebuild()  # written around the services
    page = home_of(client, viewer, 2027)
    assert amount(page, "agreed-total") == 800_000_000
    assert amount(page, "proposed-total") == 1_000_000_000
    assert amount(home_of(client, viewer, 2028), "agreed-total") == 0


def test_the_page_says_what_each_total_counts(client, viewer, years):
    page = home_of(client, viewer, 2027)
    assert "Pagu usulan</strong>: pagu yang diusulkan pada usulan TA 2027 berstatus Diajukan, Dikembalikan" in page
    assert "Draf, usulan ditolak, digabung dan ditangguhkan tidak dihitung" in page
    assert "Pagu disepakati</strong>: pagu yang disepakati rapat TA 2027 terakhir" in page
    # The proposed total links to the list showing exactly those proposals.
    assert f'href="{reverse("programs:proposal-list")}?fiscal_year=2027&amp;status=proposed"' in page


def test_the_verification_queue_is_the_years_and_points_at_the_other_years(client, verifier, years):
    page = home_of(client, verifier, 2027)
    queue = page[page.index("Antrean verifikasi TA 2027") :]
    queue = queue[: queue.index("</table>") + 200]
    assert years.number in queue
    assert "USL-2028" not in queue
    assert "Ada 1 usulan lagi di tahun anggaran lain" in queue


def test_the_meetings_on_the_home_page_are_the_open_ones_of_every_year_each_with_its_year(
    client, secretary, pupr_kalsel
):
    """Issue 10 changed this deliberately: an open meeting is work to finish whatever the planning year (the home
    page said there was no meeting while two were open), so the list no longer follows the year switch. What stays
    protected: each meeting says its own fiscal year, and a closed one is not listed."""
    soon = timezone.now() + timedelta(days=7)
    MeetingFactory(title="Rakornis TA 2027", organiser=pupr_kalsel, fiscal_year=2027, starts_at=soon)
    MeetingFactory(title="Forum PD TA 2028", organiser=pupr_kalsel, fiscal_year=2028, starts_at=soon)
    MeetingFactory(
        title="Rakornis TA 2026", organiser=pupr_kalsel, fiscal_year=2026, starts_at=soon, closed_at=timezone.now()
    )
    for year in (2027, 2028):
        page = home_of(client, secretary, year)
        section = page[page.index('id="open-meetings"') :]
        section = section[: section.index("</ul>")]
        for title, its_year in (("Rakornis TA 2027", 2027), ("Forum PD TA 2028", 2028)):
            assert re.search(rf">{title}</a></span>\s*<span[^>]*>[^<]*· TA {its_year}</span>", section), (year, title)
        assert "Rakornis TA 2026" not in page


def test_the_operators_drafts_point_at_drafts_of_other_years_and_nothing_else_does(
    client, operator_banjar, banjar, pupr_banjar, schemes
):
    funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT)
    funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT, fiscal_year=2028)
    funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.AGREED)
    page = home_of(client, operator_banjar, 2027)
    assert page.count("usulan lagi di tahun anggaran lain") == 1
    drafts = page[page.index("Draf saya, TA 2027") : page.index("yang sudah diajukan dan nasibnya")]
    assert "Ada 1 usulan lagi di tahun anggaran lain" in drafts
    assert "{&#x27;" not in page and "{'" not in page

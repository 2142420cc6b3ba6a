"""The live meeting in a real browser (issue 10): the secretariat ticks ten agenda items with "select all on this
page" and records them agreed as proposed in one action; then "save and next" walks the rest with the keyboard.
Screenshots at 1366 px and 390 px land in artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from meetings.models import Decision
from programs.models import Proposal
from tests.browser.conftest import screenshot
from tests.factories import (
    AgendaItemFactory,
    FundingSchemeFactory,
    MeetingFactory,
    funded_proposal,
    verified_proposal,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agenda(pupr_kalsel, banjar, pupr_banjar, tapin, pupr_tapin):
    """A Kalsel Rakornis with twelve verified proposals on its agenda: ten agreed in one action, two walked."""
    FundingSchemeFactory(code="APBD_KAB", name="APBD Kabupaten/Kota", short_name="APBD Kab/Kota")
    meeting = MeetingFactory(title="Rakornis Dinas PUPR Kalsel 2026", organiser=pupr_kalsel, fiscal_year=2027)
    proposals = [
        verified_proposal(
            region, agency, {"APBD_KAB": 1_500_000_000}, number=f"USL-2027-{region.code}-{n:04d}", fiscal_year=2027
        )
        for region, agency in ((banjar, pupr_banjar), (tapin, pupr_tapin))
        for n in range(1, 7)
    ]
    for proposal in proposals:
        AgendaItemFactory(meeting=meeting, proposal=proposal)
    return meeting, proposals


def test_secretariat_agrees_ten_proposals_in_one_action(new_page, live_server, secretary, agenda):
    meeting, proposals = agenda
    page = new_page("sekretariat")
    page.goto(f"{live_server.url}/rapat/{meeting.pk}/#agenda")
    agree = page.locator("#agenda-agree")
    expect(agree).to_be_disabled()  # nothing ticked yet
    select_all = page.locator("#agenda-select-all")
    select_all.check()
    expect(agree).to_have_text("Sepakati sesuai usulan (12)")
    select_all.uncheck()  # clears every box of the page again
    expect(agree).to_be_disabled()
    expect(agree).to_have_text("Sepakati sesuai usulan")
    select_all.check()
    expect(agree).to_be_enabled()
    # Leave the last two for the decision page.
    for proposal in proposals[-2:]:
        page.locator(f"#pilih-{proposal.pk}").uncheck()
    expect(agree).to_have_text("Sepakati sesuai usulan (10)")
    expect(select_all).to_have_js_property("indeterminate", True)
    screenshot(page, "live_meeting_agenda_selection_1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "live_meeting_agenda_selection_390")
    page.set_viewport_size({"width": 1366, "height": 900})
    agree.click()
    expect(page.locator(".alert-success")).to_contain_text("10 usulan disepakati sesuai usulan, pagu Rp 15.000.000.000")
    expect(page.get_by_text("Kesepakatan (10)")).to_be_visible()
    assert Decision.objects.filter(meeting=meeting, outcome=Decision.Outcome.AGREED).count() == 10
    assert Proposal.objects.filter(status=Proposal.Status.VERIFIED).count() == 2

    # The two left: open the first, Enter saves and opens the next, the last goes back to the agenda.
    first, second = proposals[-2:]
    page.get_by_role("link", name="Catat keputusan").first.click()
    expect(page.get_by_role("heading", name="Catat keputusan")).to_be_visible()
    expect(page.locator('input[name="outcome"][value="agreed"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/rapat/{meeting.pk}/keputusan/{second.pk}/")
    expect(page.locator(".alert-success")).to_contain_text(f"Keputusan atas {first.number}: Disepakati")
    page.keyboard.press("Enter")
    expect(page.locator(".alert-info")).to_contain_text("Semua usulan di agenda sudah diputuskan.")
    expect(page.get_by_text("Tidak ada usulan yang menunggu keputusan.")).to_be_visible()
    assert Decision.objects.filter(meeting=meeting).count() == 12


def test_verifier_verifies_ticked_proposals_from_the_list(new_page, live_server, verifier, banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB", name="APBD Kabupaten/Kota", short_name="APBD Kab/Kota")
    submitted = [
        funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED, fiscal_year=2027)
        for _ in range(3)
    ]
    page = new_page("verifikator.pupr")
    page.goto(f"{live_server.url}/usulan/?fiscal_year=2027&status=submitted")
    bulk_open = page.locator("#bulk-open")
    expect(bulk_open).to_be_disabled()  # nothing ticked yet
    page.locator("#bulk-select-all").check()
    expect(bulk_open).to_have_text("Tindakan untuk yang dicentang (3)")
    page.locator('input[name="ids"]').first.uncheck()
    expect(bulk_open).to_have_text("Tindakan untuk yang dicentang (2)")
    expect(page.locator("#bulk-select-all")).to_have_js_property("indeterminate", True)
    page.locator('input[name="ids"]').first.check()
    expect(page.locator("#bulk-select-all")).to_be_checked()
    screenshot(page, "proposal_list_bulk_1366")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "proposal_list_bulk_390")
    page.locator("#bulk-open").click()
    expect(page.get_by_role("heading", name="Tindakan atas 3 usulan yang dicentang")).to_be_visible()
    expect(page.get_by_label("Ajukan ke provinsi")).to_have_count(0)
    page.get_by_label("Verifikasi").check()
    for box in page.locator('input[name="criteria"]').all():
        box.check()
    screenshot(page, "proposal_bulk_page_390")
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "proposal_bulk_page_1366")
    page.locator("#bulk-apply").click()
    expect(page.locator(".alert-success")).to_contain_text("3 usulan terverifikasi")
    assert set(Proposal.objects.filter(pk__in=[p.pk for p in submitted]).values_list("status", flat=True)) == {
        Proposal.Status.VERIFIED
    }

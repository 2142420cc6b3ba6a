"""In a real browser: the verifier returns a Banjar proposal with a note; the operator of Banjar sees the count in
the header, reads the note among their notifications, opens it, answers in the proposal's thread; the verifier is
told of the answer. Screenshots of the thread and the notifications page at 1366 px and 390 px land in
artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from programs import services
from programs.models import Notification, Proposal, ProposalComment
from tests.browser.conftest import screenshot
from tests.factories import funded_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Lampirkan DED ruas Martapura - Astambul dan foto lokasi 0 %."
ANSWER = "DED dan foto lokasi sudah kami lampirkan; mohon diperiksa kembali."
PHONE = {"width": 390, "height": 844}


def test_the_operator_reads_the_return_note_as_a_notification_and_answers_in_the_thread(
    new_page, live_server, banjar, pupr_banjar, operator_banjar, verifier
):
    proposal = funded_proposal(
        region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED, name="Rehabilitasi Jalan Astambul"
    )
    services.proposal_return(proposal=proposal, user=verifier, note=NOTE)

    page = new_page("operator.banjar")
    badge = page.locator("#notification-badge")
    expect(badge).to_contain_text("1")
    badge.click()
    expect(page.get_by_role("heading", name="Notifikasi")).to_be_visible()
    item = page.locator("li", has_text=NOTE)
    expect(item).to_contain_text(f"Usulan {proposal.number}")
    expect(item).to_contain_text("dikembalikan oleh verifikator.pupr")
    screenshot(page, "notifications_1366")
    page.set_viewport_size(PHONE)
    expect(page.locator("#notification-badge-phone")).to_be_visible()  # the menu is folded; the count is not
    screenshot(page, "notifications_390")
    page.set_viewport_size({"width": 1366, "height": 900})

    item.get_by_role("button", name=NOTE).click()
    page.wait_for_url(f"{live_server.url}{proposal.get_absolute_url()}")
    expect(page.locator("#notification-badge .badge")).to_have_count(0)
    thread = page.locator("#diskusi")
    thread.get_by_label("Tulis komentar").fill(ANSWER)
    thread.get_by_role("button", name="Kirim").click()
    expect(page.get_by_role("alert").filter(has_text="Komentar terkirim.")).to_be_visible()
    expect(page.locator("#diskusi")).to_contain_text(ANSWER)
    expect(page.locator("#diskusi")).to_contain_text("operator.banjar")
    page.locator("#diskusi").scroll_into_view_if_needed()
    screenshot(page, "thread_1366")
    page.set_viewport_size(PHONE)
    page.locator("#diskusi").scroll_into_view_if_needed()
    screenshot(page, "thread_390")

    assert ProposalComment.objects.get().author == operator_banjar
    verifier_page = new_page("verifikator.pupr")
    expect(verifier_page.locator("#notification-badge")).to_contain_text("1")
    verifier_page.goto(f"{live_server.url}/notifikasi/")
    expect(verifier_page.locator("li", has_text=ANSWER)).to_contain_text("operator.banjar menulis pada usulan")
    assert Notification.objects.filter(recipient=verifier, kind=Notification.Kind.COMMENTED).count() == 1

"""A phone, 390 px wide: every page stays within the screen. Wide tables scroll inside their card, the Berita Acara
loses its paper margins, and the menu folds behind one button instead of filling the first screen.

A page wider than the screen makes a phone browser zoom the whole page out (its layout viewport grows to the widest
element), so text becomes unreadably small; `scrollWidth` > 390 is that.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Decision, Desk
from programs.models import Indicator, IndicatorSubActivity, IndicatorTarget, Notification
from tests.browser.conftest import screenshot
from tests.factories import (
    AttendanceFactory,
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    MeetingFactory,
    province,
    sub_activity,
    verified_proposal,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server, secretary):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/masuk/")
    page.fill("#id_username", secretary.username)
    page.fill("#id_password", "rakornis-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()


@pytest.fixture
def meeting(pupr_kalsel, banjar, pupr_banjar):
    """A meeting with an attendance and a decision of hundreds of billions, as the home page's totals show them."""
    FundingSchemeFactory(code="APBD_PROV", name="APBD Provinsi", short_name="APBD Prov")
    FundingSchemeFactory(code="DAU_PU", name="DAU yang Ditentukan Penggunaannya Bidang Pekerjaan Umum")
    meeting = MeetingFactory(
        title="Rakornis Dinas PUPR Provinsi Kalimantan Selatan 2026",
        organiser=pupr_kalsel,
        venue="Anjungan Kalimantan Selatan, Taman Mini Indonesia Indah",
        city="Jakarta",
    )
    AttendanceFactory(
        meeting=meeting,
        name="Ir. Hasanuddin Noor, M.T.",
        position="Kepala Dinas Pekerjaan Umum dan Penataan Ruang Provinsi Kalimantan Selatan",
        agency=pupr_kalsel,
    )
    proposal = verified_proposal(banjar, pupr_banjar, {"APBD_PROV": 587_815_000_000, "DAU_PU": 33_023_000_000})
    decision = DecisionFactory(meeting=meeting, proposal=proposal, outcome=Decision.Outcome.AGREED_WITH_CHANGES)
    DecisionFundingFactory(
        decision=decision, scheme=FundingSchemeFactory(code="APBD_PROV"), amount=Decimal(310_663_000_000)
    )
    return meeting


def width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def test_pages_fit_a_phone(phone, live_server, meeting, secretary, pupr_kalsel):
    secretary.first_name, secretary.last_name = "Nurul", "Hidayah Rahmawati Kusumaningrum"
    secretary.save()
    closed = MeetingFactory(organiser=pupr_kalsel, closed_at=timezone.now(), closed_by=secretary)
    # A desk whose indicator has a target: its gap table (Wilayah, Tahun, Target, Realisasi, Selisih) made the page
    # 420 px wide before it scrolled inside its card.
    house = sub_activity("1.04.02.2.01.0014", "Rehabilitasi Rumah Tidak Layak Huni")
    desk = Desk.objects.create(meeting=meeting, name="Desk Perkim", sector=house.parent.parent.parent)
    rtlh = Indicator.objects.create(code="RTLH", name="RTLH tertangani", unit="unit", sector=desk.sector)
    IndicatorSubActivity.objects.create(indicator=rtlh, sub_activity=house)
    IndicatorTarget.objects.create(
        indicator=rtlh, region=province(), year=2027, target=Decimal(237973), realisation=Decimal(2804)
    )
    pages = {
        "home": reverse("home"),
        "proposal-list": reverse("programs:proposal-list"),
        "meeting-list": reverse("meetings:meeting-list"),
        "meeting-detail": reverse("meetings:meeting-detail", args=[meeting.pk]),
        "meeting-minutes": reverse("meetings:meeting-minutes", args=[meeting.pk]),
        "closed-meeting": reverse("meetings:meeting-detail", args=[closed.pk]),  # "Ditutup ... oleh <name>"
        "desk": reverse("meetings:desk-detail", args=[meeting.pk, desk.pk]),
    }
    wide = {}
    for name, url in pages.items():
        phone.goto(f"{live_server.url}{url}")
        screenshot(phone, f"phone-{name}")
        if width(phone) > PHONE["width"]:
            wide[name] = width(phone)
    assert wide == {}, "pages wider than a 390 px phone"


def test_the_menu_folds_behind_one_button_on_a_phone(phone, live_server, meeting):
    phone.goto(f"{live_server.url}{reverse('home')}")
    menu = phone.get_by_role("link", name="Rapat", exact=True)
    assert not menu.is_visible()
    assert not phone.locator("#planning-year").is_visible()
    phone.get_by_role("button", name="Menu").click()
    menu.click()
    phone.wait_for_url(f"{live_server.url}{reverse('meetings:meeting-list')}")


def test_the_list_shows_status_and_amount_first_on_a_phone(phone, live_server, meeting):
    """On a 390 px screen the proposal's status and amount sit under its number, in the first screen, and the
    columns that do not fit (name, kabupaten/kota, agency, sub kegiatan) scroll inside the table's card."""
    phone.goto(f"{live_server.url}{reverse('programs:proposal-list')}?fiscal_year=")
    row = phone.locator("tr:has(.phone-status)").first
    status = row.locator(".phone-status .badge")
    amount = row.locator(".phone-status .amount")
    assert status.is_visible() and amount.is_visible()
    assert amount.inner_text() == "Rp 620.838.000.000"
    for element in (status, amount):  # in the first screen, neither scrolled to nor cut off at the right
        box = element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] + box["height"] <= PHONE["height"]
    # The desktop's own status and amount columns are not shown twice.
    assert not row.locator("td.d-md-table-cell").first.is_visible()
    # The filters folded away to make room open from their button.
    assert not phone.locator("#id_status").is_visible()
    phone.click("#list-filters-toggle")
    phone.locator("#id_status").wait_for()
    screenshot(phone, "phone-proposal-list-rows")


def test_the_proposal_form_fits_a_phone(phone, live_server, meeting, operator_banjar):
    """The form at 390 px: no sideways scrolling, the coordinate inputs still typeable, the pin picker under them."""
    phone.context.clear_cookies()
    phone.goto(f"{live_server.url}/masuk/")
    phone.fill("#id_username", operator_banjar.username)
    phone.fill("#id_password", "rakornis-demo")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/")
    phone.goto(f"{live_server.url}{reverse('programs:proposal-create')}")
    phone.fill("#id_latitude", "-3,413")
    phone.fill("#id_longitude", "114,851")
    assert phone.locator("#pin-picker").is_visible()
    screenshot(phone, "phone-proposal-form")
    assert width(phone) <= PHONE["width"]


def test_the_header_keeps_to_one_line_at_1366_and_signs_out_from_the_account_menu(
    new_page, live_server, secretary, operator_banjar
):
    page = new_page(secretary.username)
    page.goto(f"{live_server.url}{reverse('programs:proposal-list')}")
    assert page.locator("nav.navbar").bounding_box()["height"] < 70  # one line: brand, links, year, account
    assert page.get_by_role("link", name="Rapat", exact=True).is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()
    # An operator with a long name and a two-digit unread count (the walk's operator.banjar): still one line.
    operator_banjar.first_name, operator_banjar.last_name = "Muhammad Rizky", "Ramadhan"
    operator_banjar.save()
    Notification.objects.bulk_create(
        Notification(recipient=operator_banjar, kind=Notification.Kind.COMMENTED, text=f"Komentar {n}")
        for n in range(67)
    )
    operator = new_page(operator_banjar.username)
    operator.goto(f"{live_server.url}{reverse('programs:proposal-list')}")
    expect(operator.locator("#notification-badge")).to_contain_text("67")
    assert operator.locator("nav.navbar").bounding_box()["height"] < 70
    assert operator.locator("#user-menu").get_attribute("title") == "Muhammad Rizky Ramadhan"
    # In English too ("Work plans", "Planning year", "Notifications" are longer): the year's label is then read by
    # screen readers only, below 1400 px.
    operator.select_option("#language-switch", "en")
    expect(operator.get_by_role("link", name="Proposals", exact=True)).to_be_visible()
    assert operator.locator("nav.navbar").bounding_box()["height"] < 70
    expect(operator.get_by_label("Planning year")).to_be_visible()
    page.click("#user-menu")
    page.click("#sign-out")
    page.wait_for_url(f"{live_server.url}/masuk/**")

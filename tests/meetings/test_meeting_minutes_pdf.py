"""The full Berita Acara printed by Chromium (the PDF the offices make with "Save as PDF"): the document and its
attendance annex portrait, the decision annex landscape, and that annex within the sheet even with ten schemes."""

import re

import pytest
from django.utils import translation

from meetings.jobs import minutes_document
from meetings.models import Attendance, Decision
from meetings.selectors import meeting_decision_totals
from tests.factories import (
    AttendanceFactory,
    DecisionFactory,
    DecisionFundingFactory,
    FundingSchemeFactory,
    verified_proposal,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PORTRAIT, LANDSCAPE = (595, 842), (842, 595)
A4_LANDSCAPE_PRINTABLE_PX = round((29.7 - 2.0) / 2.54 * 96)  # @page landscape: 1 cm side margins


def _document(meeting) -> str:
    totals = meeting_decision_totals(meeting)
    with translation.override("id"):
        return "".join(minutes_document(meeting, decisions=Decision.objects.all(), totals=totals))


def _pages(pdf: bytes) -> list[tuple[int, int]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(round(float(w)), round(float(h))) for w, h in boxes]


@pytest.fixture
def ten_schemes_meeting(meeting, banjar, pupr_banjar, tapin, pupr_tapin, pupr_kalsel):
    schemes = [
        FundingSchemeFactory(code=f"S{n}", name=f"Sumber Dana {n}", short_name=f"Sumber {n}", order=n)
        for n in range(10)
    ]
    for index in range(12):
        region, agency = (banjar, pupr_banjar) if index % 2 else (tapin, pupr_tapin)
        decision = DecisionFactory(
            meeting=meeting,
            proposal=verified_proposal(region, agency, {}, name=f"Rehabilitasi Jalan Ruas {index} STA 0+000 - 5+100"),
        )
        for scheme in schemes[index % 3 :: 2]:
            DecisionFundingFactory(decision=decision, scheme=scheme, amount=987_654_321_000)
    AttendanceFactory(meeting=meeting, name="Ir. Ketua", capacity=Attendance.Capacity.CHAIR, agency=pupr_kalsel)
    AttendanceFactory(meeting=meeting, name="Kepala Dinas Banjar", agency=pupr_banjar, nip="197003151998031004")
    return meeting


def test_the_annex_prints_landscape_between_portrait_pages(browser, ten_schemes_meeting):
    page = browser.new_page()
    page.set_content(_document(ten_schemes_meeting))
    pages = _pages(page.pdf(format="A4", prefer_css_page_size=True))
    page.close()
    assert pages[0] == PORTRAIT and pages[-1] == PORTRAIT  # the Berita Acara, then Lampiran II
    landscape = [n for n, size in enumerate(pages) if size == LANDSCAPE]
    assert landscape and landscape == list(range(landscape[0], landscape[-1] + 1))  # Lampiran I, in one run
    assert set(pages) == {PORTRAIT, LANDSCAPE}


def test_ten_schemes_and_their_totals_fit_the_landscape_sheet(browser, ten_schemes_meeting):
    page = browser.new_page(viewport={"width": A4_LANDSCAPE_PRINTABLE_PX, "height": 800})
    page.set_content(_document(ten_schemes_meeting))
    page.emulate_media(media="print")
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('.minutes-landscape table')].map(
            t => t.getBoundingClientRect().right - document.documentElement.clientWidth)"""
    )
    header = page.inner_text(".decision-table thead")
    page.close()
    assert len(overflow) == 2  # the decisions and the recap by kabupaten/kota x source
    assert max(overflow) <= 0, overflow
    assert "Sumber 9" in header and "Jumlah" in header

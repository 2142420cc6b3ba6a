"""One decision summary (meetings.selectors.meeting_decision_summary): the meeting page, the Berita Acara and its
Excel annex show the same groups, subtotals and totals."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from meetings.exports import meeting_annex_workbook
from meetings.models import Decision
from meetings.selectors import meeting_decision_summary
from rakornis.formatting import format_rupiah
from tests.factories import DecisionFactory, DecisionFundingFactory, verified_proposal
from tests.workbooks import as_decimal, sheet_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(meeting, schemes, banjar, pupr_banjar, banjar_proposal, tapin_proposal):
    """Banjar: agreed Rp 1,5 M APBD Kab, agreed with changes Rp 600 jt BKP, rejected. Tapin: agreed Rp 2 M APBD Prov
    + Rp 500 jt BKP. A deferred decision's leftover funding line counts nowhere."""
    one = DecisionFactory(meeting=meeting, proposal=banjar_proposal, outcome=Decision.Outcome.AGREED)
    DecisionFundingFactory(decision=one, scheme=schemes["APBD_KAB"], amount=1_500_000_000)
    two = DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(banjar, pupr_banjar, {"BKP": 800_000_000}, name="Rehabilitasi Jalan Martapura"),
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
    )
    DecisionFundingFactory(decision=two, scheme=schemes["BKP"], amount=600_000_000)
    deferred = DecisionFactory(
        meeting=meeting,
        proposal=verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 900_000_000}, name="Drainase Gambut"),
        outcome=Decision.Outcome.DEFERRED,
        reason="Menunggu DED",
    )
    DecisionFundingFactory(decision=deferred, scheme=schemes["APBD_PROV"], amount=900_000_000)
    three = DecisionFactory(meeting=meeting, proposal=tapin_proposal, outcome=Decision.Outcome.AGREED)
    DecisionFundingFactory(decision=three, scheme=schemes["APBD_PROV"], amount=2_000_000_000)
    DecisionFundingFactory(decision=three, scheme=schemes["BKP"], amount=500_000_000)
    return meeting


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_summary_groups_by_kabupaten_and_counts_agreed_amounts_only(decided):
    summary = meeting_decision_summary(decided)

    assert [scheme.code for scheme in summary.schemes] == ["APBD_PROV", "APBD_KAB", "BKP"]
    assert [group.region.name for group in summary.groups] == ["Kabupaten Banjar", "Kabupaten Tapin"]
    banjar, tapin = summary.groups
    assert banjar.totals == [Decimal(0), Decimal(1_500_000_000), Decimal(600_000_000)]
    assert (banjar.total, banjar.counted, len(banjar.rows)) == (Decimal(2_100_000_000), 2, 3)
    assert banjar.proposed == Decimal(1_500_000_000 + 800_000_000 + 900_000_000)
    assert (tapin.total, tapin.counted) == (Decimal(2_500_000_000), 1)
    assert summary.totals == [Decimal(2_000_000_000), Decimal(1_500_000_000), Decimal(1_100_000_000)]
    assert (summary.total, summary.count, summary.counted) == (Decimal(4_600_000_000), 4, 3)


def test_the_summary_keeps_to_the_decisions_it_is_given(decided, operator_banjar):
    summary = meeting_decision_summary(decided, decisions=Decision.objects.for_user(operator_banjar))
    assert [group.region.name for group in summary.groups] == ["Kabupaten Banjar"]
    assert summary.total == Decimal(2_100_000_000)


def test_page_berita_acara_and_annex_show_the_same_totals(client, secretary, decided):
    summary = meeting_decision_summary(decided)
    client.force_login(secretary)
    page = text_of(client.get(reverse("meetings:meeting-detail", args=[decided.pk])).text)
    minutes = text_of(client.get(reverse("meetings:meeting-minutes", args=[decided.pk])).text)
    annex = client.get(reverse("meetings:meeting-annex-export", args=[decided.pk])).content
    _, _, header, rows = sheet_table(annex)
    sums = {row[3]: dict(zip(header, row, strict=True)) for row in rows if row[0] is None and row[3]}

    for group in summary.groups:
        subtotal = " ".join(format_rupiah(amount) if amount else "–" for amount in group.totals)
        line = f"Jumlah {group.region.name} {subtotal} {format_rupiah(group.total)}"
        assert line in page
        assert line in minutes
        assert as_decimal(sums[f"Jumlah {group.region.name}"]["Jumlah Disepakati"]) == group.total
        assert as_decimal(sums[f"Jumlah {group.region.name}"]["Pagu Usulan"]) == group.proposed
    grand = " ".join(format_rupiah(amount) for amount in summary.totals)
    assert f"Jumlah seluruhnya {grand} {format_rupiah(summary.total)}" in page
    assert f"Jumlah seluruhnya {grand} {format_rupiah(summary.total)}" in minutes
    assert as_decimal(sums["JUMLAH"]["Jumlah Disepakati"]) == summary.total == Decimal(4_600_000_000)
    assert [as_decimal(sums["JUMLAH"][f"Disepakati {s.short_name}"]) for s in summary.schemes] == summary.totals
    assert sums["JUMLAH"]["Catatan"] == "3 dari 4 usulan disepakati"


def test_the_annex_is_the_same_workbook_the_view_serves(client, secretary, decided):
    client.force_login(secretary)
    served = sheet_table(client.get(reverse("meetings:meeting-annex-export", args=[decided.pk])).content)[3]
    built = sheet_table(meeting_annex_workbook(meeting=decided, decisions=Decision.objects.for_user(secretary)))[3]
    assert served == built

"""Desks (desk urusan) of a Rakortekrenbang: the desk page, decisions recorded at a desk, and the agreement of the
sub kegiatan that support each outcome indicator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Decision, Desk, DeskIndicatorAgreement
from meetings.services import MeetingError
from meetings.services.desks import desk_agreement_set
from programs.models import Indicator, IndicatorSubActivity, IndicatorTarget, Proposal
from rakornis.models import AuditEntry
from tests.factories import AgendaItemFactory, AttendanceFactory, province, sub_activity, verified_proposal

pytestmark = pytest.mark.django_db

ROAD = "1.03.10.2.01.0053"  # PUPR: bidang 1.03
HOUSE = "1.04.02.2.01.0014"  # Perkim: bidang 1.04
HOUSE_OTHER = "1.04.02.2.01.0015"


@pytest.fixture
def world(meeting, banjar, pupr_banjar, tapin, pupr_tapin, schemes):
    road, house = sub_activity(ROAD, "Pembangunan Jalan"), sub_activity(HOUSE, "Rehabilitasi RTLH")
    other = sub_activity(HOUSE_OTHER, "Pendataan RTLH")
    perkim = Desk.objects.create(meeting=meeting, name="Desk Perkim", sector=house.parent.parent.parent)
    pupr = Desk.objects.create(meeting=meeting, name="Desk PUPR", sector=road.parent.parent.parent)
    road_proposal = verified_proposal(
        banjar,
        pupr_banjar,
        {"APBD_KAB": 1_500_000_000},
        number="USL-2027-63.03-0001",
        sub_activity=road,
        name="Jalan Martapura",
    )
    house_proposal = verified_proposal(
        tapin,
        pupr_tapin,
        {"APBD_PROV": 750_000_000},
        number="USL-2027-63.05-0001",
        sub_activity=house,
        name="Bedah rumah Tapin Utara",
    )
    for proposal in (road_proposal, house_proposal):
        AgendaItemFactory(meeting=meeting, proposal=proposal)
    rtlh = Indicator.objects.create(code="RTLH", name="RTLH tertangani", unit="unit", sector=perkim.sector)
    IndicatorSubActivity.objects.create(indicator=rtlh, sub_activity=house)
    IndicatorTarget.objects.create(
        indicator=rtlh, region=province(), year=2027, target=Decimal(5000), realisation=Decimal(2804)
    )
    AttendanceFactory(meeting=meeting, desk=perkim, name="Ir. Rahmat Hidayat", position="Kepala Bidang Perumahan")
    AttendanceFactory(meeting=meeting, desk=pupr, name="Budi Santoso", position="Kepala Bidang Bina Marga")
    return {
        "perkim": perkim,
        "pupr": pupr,
        "house": house,
        "other": other,
        "road": road,
        "house_proposal": house_proposal,
        "road_proposal": road_proposal,
        "rtlh": rtlh,
    }


def _url(desk: Desk) -> str:
    return reverse("meetings:desk-detail", args=[desk.meeting_id, desk.pk])


def _agreement_url(desk: Desk, indicator: Indicator) -> str:
    return reverse("meetings:desk-agreement", args=[desk.meeting_id, desk.pk, indicator.code])


def test_desk_page_shows_its_urusan_participants_indicators_and_gaps(client, viewer, world):
    client.force_login(viewer)
    response = client.get(_url(world["perkim"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bedah rumah Tapin Utara" in page
    assert "Jalan Martapura" not in page  # the PUPR desk's proposal
    assert "Ir. Rahmat Hidayat" in page and "Budi Santoso" not in page
    assert "RTLH tertangani" in page
    assert "kurang 2.196" in page  # 5,000 targeted, 2,804 handled
    # A viewer reads the desk but gets no button to record anything.
    assert "Catat keputusan" not in page and "Simpan kesepakatan" not in page


def test_secretary_sees_record_links_with_the_desk_preselected(client, secretary, world):
    client.force_login(secretary)
    page = client.get(_url(world["perkim"])).content.decode()
    decision_url = reverse("meetings:decision-record", args=[world["perkim"].meeting_id, world["house_proposal"].pk])
    assert f"{decision_url}?desk={world['perkim'].pk}" in page


def test_decision_recorded_from_a_desk_records_the_desk(client, secretary, meeting, world):
    client.force_login(secretary)
    proposal = world["house_proposal"]
    url = reverse("meetings:decision-record", args=[meeting.pk, proposal.pk]) + f"?desk={world['perkim'].pk}"
    assert world["perkim"].name in client.get(url).content.decode()
    response = client.post(url, {"outcome": Decision.Outcome.AGREED, "version": proposal.version})
    assert response.status_code == 302
    assert response["Location"].startswith(_url(world["perkim"]))
    decision = Decision.objects.get(meeting=meeting, proposal=proposal)
    assert decision.desk == world["perkim"]


def test_decision_without_a_desk_takes_the_desk_of_its_urusan(client, secretary, meeting, world):
    client.force_login(secretary)
    proposal = world["road_proposal"]
    url = reverse("meetings:decision-record", args=[meeting.pk, proposal.pk])
    client.post(url, {"outcome": Decision.Outcome.AGREED, "version": proposal.version})
    assert Decision.objects.get(meeting=meeting, proposal=proposal).desk == world["pupr"]


def test_decision_page_with_another_meetings_desk_is_404(client, secretary, meeting, kalteng_meeting, world):
    other = Desk.objects.create(meeting=kalteng_meeting, name="Desk PUPR")
    client.force_login(secretary)
    proposal = world["house_proposal"]
    url = reverse("meetings:decision-record", args=[meeting.pk, proposal.pk]) + f"?desk={other.pk}"
    assert client.post(url, {"outcome": Decision.Outcome.AGREED, "version": proposal.version}).status_code == 404
    assert not Decision.objects.filter(proposal=proposal).exists()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.VERIFIED


def test_secretary_records_the_agreement_audited(client, secretary, world):
    client.force_login(secretary)
    desk, rtlh = world["perkim"], world["rtlh"]
    response = client.post(_agreement_url(desk, rtlh), {"sub_kegiatan": [world["house"].pk]}, follow=True)
    assert "1 sub kegiatan disepakati mendukung RTLH" in response.content.decode()
    assert list(DeskIndicatorAgreement.objects.values_list("sub_activity__code", flat=True)) == [HOUSE]
    entry = AuditEntry.objects.filter(object_repr=desk.name).latest("pk")
    assert entry.changes == {"indikator RTLH": [None, [HOUSE]]}
    # The page shows the agreed sub kegiatan ticked.
    page = client.get(_url(desk)).content.decode()
    assert f'value="{world["house"].pk}" id="s-{rtlh.pk}-{world["house"].pk}" checked' in page


def test_agreement_replaced_and_emptied(secretary, world):
    desk, rtlh = world["perkim"], world["rtlh"]
    desk_agreement_set(desk=desk, indicator=rtlh, sub_activities=[world["house"]], user=secretary)
    desk_agreement_set(desk=desk, indicator=rtlh, sub_activities=[world["other"]], user=secretary)
    assert list(DeskIndicatorAgreement.objects.values_list("sub_activity__code", flat=True)) == [HOUSE_OTHER]
    desk_agreement_set(desk=desk, indicator=rtlh, sub_activities=[], user=secretary)
    assert not DeskIndicatorAgreement.objects.exists()


def test_agreement_outside_the_desks_urusan_is_refused(client, secretary, world):
    client.force_login(secretary)
    response = client.post(
        _agreement_url(world["perkim"], world["rtlh"]), {"sub_kegiatan": [world["road"].pk]}, follow=True
    )
    assert f"Sub kegiatan {ROAD} bukan bagian dari bidang urusan" in response.content.decode()
    assert not DeskIndicatorAgreement.objects.exists()


def test_agreement_with_an_unknown_sub_kegiatan_is_refused(client, secretary, world):
    client.force_login(secretary)
    response = client.post(_agreement_url(world["perkim"], world["rtlh"]), {"sub_kegiatan": ["999999"]}, follow=True)
    assert response.status_code == 200
    assert "tidak ditemukan" in response.content.decode()
    assert not DeskIndicatorAgreement.objects.exists()


def test_agreement_refused_when_the_meeting_is_closed(client, secretary, meeting, world):
    desk_agreement_set(desk=world["perkim"], indicator=world["rtlh"], sub_activities=[world["house"]], user=secretary)
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["closed_at"])
    client.force_login(secretary)
    response = client.post(
        _agreement_url(world["perkim"], world["rtlh"]), {"sub_kegiatan": [world["other"].pk]}, follow=True
    )
    assert "sudah ditutup" in response.content.decode()
    assert list(DeskIndicatorAgreement.objects.values_list("sub_activity__code", flat=True)) == [HOUSE]
    with pytest.raises(MeetingError):
        desk_agreement_set(desk=world["perkim"], indicator=world["rtlh"], sub_activities=[], user=secretary)
    # The closed meeting's desk page offers nothing to record.
    page = client.get(_url(world["perkim"])).content.decode()
    assert "Simpan kesepakatan" not in page and "Catat keputusan" not in page


def test_viewer_cannot_record_an_agreement(client, viewer, world):
    client.force_login(viewer)
    response = client.post(_agreement_url(world["perkim"], world["rtlh"]), {"sub_kegiatan": [world["house"].pk]})
    assert response.status_code == 403
    assert not DeskIndicatorAgreement.objects.exists()


def test_outsider_gets_404(client, operator_banjar, kalteng_meeting, world):
    """A Kalteng desk is not seen from Kalsel; a desk of another meeting under this meeting's address is a 404."""
    kalteng_desk = Desk.objects.create(meeting=kalteng_meeting, name="Desk PUPR")
    client.force_login(operator_banjar)
    assert client.get(_url(kalteng_desk)).status_code == 404
    wrong = reverse("meetings:desk-detail", args=[world["perkim"].meeting_id, kalteng_desk.pk])
    assert client.get(wrong).status_code == 404


def test_desk_page_queries_do_not_grow_with_the_agenda(client, secretary, meeting, tapin, pupr_tapin, world):
    client.force_login(secretary)
    url = _url(world["perkim"])
    client.get(url)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(2, 30):
        proposal = verified_proposal(
            tapin,
            pupr_tapin,
            {"APBD_PROV": 100_000_000},
            number=f"USL-2027-63.05-{number:04d}",
            sub_activity=world["house"] if number % 2 else world["other"],
        )
        AgendaItemFactory(meeting=meeting, proposal=proposal)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("USL-2027-63.05-") >= 29
    assert len(many) == len(few)
    assert len(many) <= 12, "\n".join(query["sql"][:150] for query in many.captured_queries)


def test_admin_shows_the_desks_agreements_read_only(client, superuser, secretary, world):
    desk_agreement_set(desk=world["perkim"], indicator=world["rtlh"], sub_activities=[world["house"]], user=secretary)
    client.force_login(superuser)
    page = client.get(reverse("admin:meetings_desk_change", args=[world["perkim"].pk])).content.decode()
    assert "kesepakatan indikator desk" in page.lower()
    assert HOUSE in page
    assert 'name="agreements-0-sub_activity"' not in page  # not editable in the admin


def test_save_and_next_at_a_desk_stays_at_the_desk(client, secretary, meeting, tapin, pupr_tapin, world):
    """ "Simpan dan berikutnya" from a desk opens the desk's next proposal, not another urusan's, with the desk kept."""
    following = verified_proposal(
        tapin, pupr_tapin, {"APBD_PROV": 100_000_000}, number="USL-2027-63.05-0002", sub_activity=world["other"]
    )
    AgendaItemFactory(meeting=meeting, proposal=following)
    client.force_login(secretary)
    proposal, desk = world["house_proposal"], world["perkim"]
    url = reverse("meetings:decision-record", args=[meeting.pk, proposal.pk]) + f"?desk={desk.pk}"
    data = {"outcome": Decision.Outcome.AGREED, "version": proposal.version, "berikutnya": "1"}
    response = client.post(url, data)
    assert response["Location"] == (
        reverse("meetings:decision-record", args=[meeting.pk, following.pk]) + f"?desk={desk.pk}"
    )
    # The last of the desk: back to the desk, although the PUPR desk's road still awaits.
    url = response["Location"]
    response = client.post(url, {**data, "version": following.version})
    assert response["Location"].startswith(_url(desk))
    assert Decision.objects.filter(desk=desk).count() == 2


def test_meeting_page_links_each_desk(client, operator_tapin, world):
    client.force_login(operator_tapin)
    page = client.get(reverse("meetings:meeting-detail", args=[world["perkim"].meeting_id])).content.decode()
    assert f'href="{_url(world["perkim"])}"' in page and f'href="{_url(world["pupr"])}"' in page

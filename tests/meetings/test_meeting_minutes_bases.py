"""The bases a meeting considered ("Dasar" of the Berita Acara): the secretary keeps an ordered list on the meeting
page; each change is audited; a closed meeting's list is frozen; nobody else may change it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import MeetingBasis
from meetings.services.meetings import MAX_BASES
from rakornis.models import AuditEntry

pytestmark = pytest.mark.django_db

RPJMD = "Peraturan Daerah Provinsi Kalimantan Selatan tentang RPJMD Tahun 2025-2029"
RKPD = "Tema RKPD Provinsi Kalimantan Selatan Tahun 2027"
RTRW = "Peraturan Daerah tentang RTRW Provinsi Kalimantan Selatan"


def _add(client, meeting, text):
    return client.post(reverse("meetings:basis-add", args=[meeting.pk]), {"dasar-text": text}, follow=True)


def _texts(meeting):
    return list(meeting.bases.order_by("order", "pk").values_list("text", flat=True))


def test_secretary_builds_the_list_in_order_and_sees_it_on_the_meeting_page(client, secretary, meeting):
    client.force_login(secretary)
    _add(client, meeting, RPJMD)
    response = _add(client, meeting, "  Tema RKPD   Provinsi Kalimantan Selatan Tahun 2027 ")  # spaces tidied
    assert _texts(meeting) == [RPJMD, RKPD]
    assert "Dasar ditambahkan." in response.text
    assert response.text.index(RPJMD) < response.text.index(RKPD)
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.CREATED).latest("pk")
    assert entry.changes == {"text": [None, RKPD]}


def test_secretary_edits_moves_and_deletes_a_basis(client, secretary, meeting):
    client.force_login(secretary)
    for text in (RPJMD, RKPD, RTRW):
        _add(client, meeting, text)
    rtrw = meeting.bases.get(text=RTRW)
    client.post(reverse("meetings:basis-move", args=[meeting.pk, rtrw.pk]), {"arah": "naik"})
    assert _texts(meeting) == [RPJMD, RTRW, RKPD]
    client.post(reverse("meetings:basis-move", args=[meeting.pk, rtrw.pk]), {"arah": "turun"})
    client.post(reverse("meetings:basis-move", args=[meeting.pk, rtrw.pk]), {"arah": "turun"})  # already last
    assert _texts(meeting) == [RPJMD, RKPD, RTRW]
    rkpd = meeting.bases.get(text=RKPD)
    url = reverse("meetings:basis-update", args=[meeting.pk, rkpd.pk])
    client.post(url, {f"dasar-{rkpd.pk}-text": "Tema RKPD 2027: Kalsel Maju"})
    assert _texts(meeting) == [RPJMD, "Tema RKPD 2027: Kalsel Maju", RTRW]
    assert AuditEntry.objects.for_object(rkpd).filter(action=AuditEntry.Action.CHANGED).get().changes == {
        "text": [RKPD, "Tema RKPD 2027: Kalsel Maju"]
    }
    client.post(reverse("meetings:basis-delete", args=[meeting.pk, rkpd.pk]))
    assert _texts(meeting) == [RPJMD, RTRW]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DELETED).get().changes["text"][0].startswith("Tema")


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001])
def test_an_empty_or_too_long_basis_is_refused_with_a_message(client, secretary, meeting, text):
    client.force_login(secretary)
    response = _add(client, meeting, text)
    assert response.status_code == 200
    assert "Dasar belum disimpan." in response.text
    assert not MeetingBasis.objects.exists()


def test_an_emptied_basis_keeps_its_text(client, secretary, meeting):
    client.force_login(secretary)
    _add(client, meeting, RPJMD)
    basis = meeting.bases.get()
    response = client.post(
        reverse("meetings:basis-update", args=[meeting.pk, basis.pk]), {f"dasar-{basis.pk}-text": " "}, follow=True
    )
    assert "Dasar belum disimpan." in response.text
    assert _texts(meeting) == [RPJMD]


def test_the_list_is_bounded(client, secretary, meeting):
    MeetingBasis.objects.bulk_create(
        MeetingBasis(meeting=meeting, text=f"Dasar {n}", order=n) for n in range(1, MAX_BASES + 1)
    )
    client.force_login(secretary)
    response = _add(client, meeting, RPJMD)
    assert f"paling banyak {MAX_BASES} dasar" in response.text
    assert meeting.bases.count() == MAX_BASES


def test_a_closed_meeting_keeps_its_bases(client, secretary, meeting):
    basis = MeetingBasis.objects.create(meeting=meeting, text=RPJMD, order=1)
    meeting.closed_at = timezone.now()
    meeting.save()
    client.force_login(secretary)
    response = _add(client, meeting, RKPD)
    assert "sudah ditutup" in response.text
    client.post(reverse("meetings:basis-delete", args=[meeting.pk, basis.pk]))
    client.post(reverse("meetings:basis-update", args=[meeting.pk, basis.pk]), {f"dasar-{basis.pk}-text": "Lain"})
    assert _texts(meeting) == [RPJMD]
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk]))
    assert RPJMD in page.text and "Tambah dasar" not in page.text


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_may_not_change_the_bases(client, request, persona, meeting):
    basis = MeetingBasis.objects.create(meeting=meeting, text=RPJMD, order=1)
    client.force_login(request.getfixturevalue(persona))
    assert _add(client, meeting, RKPD).status_code == 403
    assert client.post(reverse("meetings:basis-delete", args=[meeting.pk, basis.pk])).status_code == 403
    assert _texts(meeting) == [RPJMD]
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk]))
    assert RPJMD in page.text and "Tambah dasar" not in page.text


def test_a_basis_of_another_meeting_or_province_is_404(client, secretary, meeting, kalteng_meeting, pupr_kalsel):
    from tests.factories import MeetingFactory

    other = MeetingBasis.objects.create(meeting=MeetingFactory(organiser=pupr_kalsel), text=RPJMD, order=1)
    client.force_login(secretary)
    assert client.post(reverse("meetings:basis-delete", args=[meeting.pk, other.pk])).status_code == 404
    assert _add(client, kalteng_meeting, RKPD).status_code == 404
    assert MeetingBasis.objects.count() == 1


def test_wrong_method_is_405(client, secretary, meeting):
    client.force_login(secretary)
    assert client.get(reverse("meetings:basis-add", args=[meeting.pk])).status_code == 405

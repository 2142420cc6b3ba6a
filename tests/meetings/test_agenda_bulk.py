"""The live meeting: agree a batch of agenda items as proposed in one action, "save and next" on the decision page,
the attendance and agenda forms on their own pages, and the secretariat's home listing open meetings today first."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from meetings.models import Decision, Meeting
from meetings.services import DecisionInput, decision_record_bulk
from programs.models import Proposal
from programs.services import BulkRefusal
from rakornis.formatting import format_rupiah
from rakornis.models import AuditEntry
from tests.factories import (
    AgencyFactory,
    AgendaItemFactory,
    DecisionFactory,
    MeetingFactory,
    regency,
    verified_proposal,
)

pytestmark = pytest.mark.django_db
S = Proposal.Status


def _agree_url(meeting):
    return reverse("meetings:agenda-agree", args=[meeting.pk])


def _decide_url(meeting, proposal):
    return reverse("meetings:decision-record", args=[meeting.pk, proposal.pk])


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def ten(meeting, banjar, pupr_banjar, tapin, pupr_tapin, schemes):
    """Ten verified proposals on the meeting's agenda: six of Banjar, four of Tapin, Rp 1.500.000.000 each."""
    proposals = [
        verified_proposal(
            region, agency, {"APBD_KAB": 1_000_000_000, "BKP": 500_000_000}, number=f"USL-2027-{region.code}-{n:04d}"
        )
        for region, agency, count in ((banjar, pupr_banjar, 6), (tapin, pupr_tapin, 4))
        for n in range(1, count + 1)
    ]
    for proposal in proposals:
        AgendaItemFactory(meeting=meeting, proposal=proposal)
    return proposals


def _ids(proposals):
    return {"usulan": [str(proposal.pk) for proposal in proposals]}


def _statuses(proposals):
    return set(Proposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list("status", flat=True))


# Agreed as proposed, in one action ---------------------------------------------------------------------------------


def test_secretary_agrees_ten_proposals_as_proposed_in_one_action(client, secretary, meeting, ten):
    client.force_login(secretary)
    response = client.post(_agree_url(meeting), {**_ids(ten), "agenda_hal": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("?agenda_hal=1#agenda")
    decisions = Decision.objects.filter(meeting=meeting)
    assert decisions.count() == 10
    assert set(decisions.values_list("outcome", flat=True)) == {Decision.Outcome.AGREED}
    assert _statuses(ten) == {S.AGREED}
    # The agreed funding is each proposal's own: Rp 1.000.000.000 + Rp 500.000.000.
    first = decisions.get(proposal=ten[0])
    assert sorted((line.scheme.code, line.amount) for line in first.funding_lines.all()) == [
        ("APBD_KAB", 1_000_000_000),
        ("BKP", 500_000_000),
    ]
    # One audit entry per decision, and one per proposal's move to "disepakati".
    assert AuditEntry.objects.filter(content_type__model="decision", action=AuditEntry.Action.CREATED).count() == 10
    assert AuditEntry.objects.filter(content_type__model="proposal", action=AuditEntry.Action.DECIDED).count() == 10
    (message,) = _messages(response)
    assert message.startswith(f"10 usulan disepakati sesuai usulan, pagu {format_rupiah(15_000_000_000)}: ")
    assert "USL-2027-63.03-0001" in message
    # The agenda is empty now; the decisions are listed.
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk]))
    assert "Tidak ada usulan yang menunggu keputusan." in page.text
    assert "Kesepakatan (10)" in page.text


def test_one_proposal_that_cannot_be_agreed_refuses_the_whole_batch(client, secretary, meeting, ten):
    # Between the page and the click, one proposal was returned to its operator (it is still on the agenda).
    Proposal.objects.filter(pk=ten[6].pk).update(status=S.RETURNED)
    client.force_login(secretary)
    response = client.post(_agree_url(meeting), _ids(ten))
    assert response.status_code == 302
    assert not Decision.objects.exists()
    assert _statuses(ten[:6] + ten[7:]) == {S.VERIFIED}
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DECIDED).exists()
    (message,) = _messages(response)
    assert message.startswith("Tidak ada keputusan yang dicatat.")
    assert f"Usulan {ten[6].number} berstatus dikembalikan" in message


def test_a_proposal_decided_meanwhile_is_named_and_nothing_is_recorded(client, secretary, meeting, ten):
    DecisionFactory(meeting=meeting, proposal=ten[2], outcome=Decision.Outcome.DEFERRED, reason="DED belum siap.")
    client.force_login(secretary)
    response = client.post(_agree_url(meeting), _ids(ten))
    assert Decision.objects.count() == 1
    (message,) = _messages(response)
    assert message == (
        f"Tidak ada keputusan yang dicatat. Tidak ada di agenda rapat ini atau sudah diputuskan: {ten[2].number}."
    )


def test_the_batch_is_one_transaction(meeting, secretary, ten, monkeypatch):
    """A failure after the decisions were written (the proposals' moves) leaves no decision behind."""

    def refuse(**kwargs):
        raise BulkRefusal(problems=[("USL", "tertolak")])

    monkeypatch.setattr("meetings.services.decisions.proposal_move_bulk", refuse)
    items = [DecisionInput(proposal=proposal, outcome=Decision.Outcome.AGREED) for proposal in ten]
    with pytest.raises(BulkRefusal):
        decision_record_bulk(meeting=meeting, items=items, user=secretary)
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="decision").exists()
    assert _statuses(ten) == {S.VERIFIED}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "Belum ada usulan yang dipilih"),
        ({"usulan": ["satu"]}, "Pilihan usulan tidak valid"),
        ({"usulan": [str(n) for n in range(1, 502)]}, "Paling banyak 500 usulan sekaligus"),
    ],
    ids=["none", "garbage", "too-many"],
)
def test_bad_selections_are_refused_with_a_message(client, secretary, meeting, ten, data, expected):
    client.force_login(secretary)
    response = client.post(_agree_url(meeting), data)
    assert response.status_code == 302
    assert expected in _messages(response)[0]
    assert not Decision.objects.exists()


def test_a_closed_meeting_records_nothing(client, secretary, meeting, ten):
    Meeting.objects.filter(pk=meeting.pk).update(closed_at=timezone.now())
    client.force_login(secretary)
    response = client.post(_agree_url(meeting), _ids(ten))
    assert "sudah ditutup" in _messages(response)[0]
    assert not Decision.objects.exists()


def test_a_proposal_outside_the_scope_is_404(client, secretary, meeting, ten):
    kobar = regency("62.01", "Kabupaten Kotawaringin Barat")
    outside = verified_proposal(kobar, AgencyFactory(region=kobar), {"APBD_KAB": 1_000_000_000})
    client.force_login(secretary)
    response = client.post(_agree_url(meeting), _ids([*ten, outside]))
    assert response.status_code == 404
    assert not Decision.objects.exists()


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_cannot_agree(client, request, persona, meeting, ten):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(_agree_url(meeting), _ids(ten)).status_code == 403
    assert not Decision.objects.exists()


def test_get_is_405(client, secretary, meeting):
    client.force_login(secretary)
    assert client.get(_agree_url(meeting)).status_code == 405


def test_the_agenda_offers_the_selection_to_the_secretary_only(client, secretary, viewer, meeting, ten):
    client.force_login(secretary)
    text = client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).text
    assert 'id="agenda-select-all"' in text
    assert f'name="usulan" value="{ten[0].pk}" form="agenda-bulk"' in text
    # rakornis.js's shared selection behaviour, not a script of the page's own.
    assert 'id="agenda-select-all" data-select-all="agenda-bulk"' in text
    assert 'id="agenda-agree" data-select-count="agenda-bulk"' in text
    assert "js/rakornis.js" in text
    assert "js/meeting_agenda.js" not in text
    client.force_login(viewer)
    text = client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).text
    assert 'name="usulan"' not in text
    assert _agree_url(meeting) not in text


# Save and next -----------------------------------------------------------------------------------------------------


def test_save_and_next_opens_the_next_undecided_agenda_item(client, secretary, meeting, ten):
    client.force_login(secretary)
    DecisionFactory(meeting=meeting, proposal=ten[1], outcome=Decision.Outcome.DEFERRED, reason="DED belum siap.")
    data = {"outcome": Decision.Outcome.AGREED, "version": str(ten[0].version), "berikutnya": "1"}
    response = client.post(_decide_url(meeting, ten[0]), data)
    # ten[1] is decided already: the next one waiting is ten[2].
    assert response["Location"] == _decide_url(meeting, ten[2])
    assert Decision.objects.get(meeting=meeting, proposal=ten[0]).outcome == Decision.Outcome.AGREED
    # From the last item of the agenda (Tapin's fourth) it goes round to the first still waiting.
    last = ten[-1]
    response = client.post(_decide_url(meeting, last), {**data, "version": str(last.version)})
    assert response["Location"] == _decide_url(meeting, ten[2])


def test_save_and_next_on_the_last_undecided_item_goes_back_to_the_agenda(client, secretary, meeting, ten):
    client.force_login(secretary)
    decision_record_bulk(
        meeting=meeting, items=[DecisionInput(p, Decision.Outcome.AGREED) for p in ten[1:]], user=secretary
    )
    data = {"outcome": Decision.Outcome.AGREED, "version": str(ten[0].version), "berikutnya": "1"}
    response = client.post(_decide_url(meeting, ten[0]), data)
    assert response["Location"].endswith("#agenda")
    assert "Semua usulan di agenda sudah diputuskan." in _messages(response)


def test_plain_save_goes_back_to_the_agenda(client, secretary, meeting, ten):
    client.force_login(secretary)
    data = {"outcome": Decision.Outcome.AGREED, "version": str(ten[0].version), "simpan": "1"}
    response = client.post(_decide_url(meeting, ten[0]), data)
    assert response["Location"].endswith("#agenda")


def test_the_decision_page_is_made_for_the_keyboard(client, secretary, meeting, ten):
    client.force_login(secretary)
    text = client.get(_decide_url(meeting, ten[0])).text
    next_button = text.index('name="berikutnya"')
    assert next_button < text.index('name="simpan"')  # Enter presses the first: save and next
    assert 'accesskey="n"' in text
    assert 'accesskey="s"' in text
    assert "js/meeting_agenda.js" in text


# The attendance and agenda forms on their own pages ----------------------------------------------------------------


def test_the_attendance_form_has_its_own_page_with_the_focus_on_the_name(client, secretary, meeting):
    client.force_login(secretary)
    response = client.get(reverse("meetings:attendance-form", args=[meeting.pk]))
    assert response.status_code == 200
    assert reverse("meetings:attendance-add", args=[meeting.pk]) in response.text
    assert "autofocus" in response.text


def test_a_refused_attendance_keeps_what_was_typed(client, secretary, meeting):
    client.force_login(secretary)
    url = reverse("meetings:attendance-add", args=[meeting.pk])
    response = client.post(url, {"name": "Ir. Hadi Santoso", "nip": "123", "capacity": "participant"})
    assert response.status_code == 200
    assert 'value="Ir. Hadi Santoso"' in response.text
    assert "NIP terdiri atas 18 angka" in response.text
    assert not meeting.attendances.exists()


def test_the_agenda_form_has_its_own_page(client, secretary, meeting, banjar):
    client.force_login(secretary)
    response = client.get(reverse("meetings:agenda-form", args=[meeting.pk]))
    assert response.status_code == 200
    assert reverse("meetings:agenda-add", args=[meeting.pk]) in response.text
    assert banjar.name in response.text


def test_the_form_pages_of_a_closed_meeting_send_back_to_it(client, secretary, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(closed_at=timezone.now())
    client.force_login(secretary)
    for name in ("meetings:attendance-form", "meetings:agenda-form"):
        response = client.get(reverse(name, args=[meeting.pk]))
        assert response.status_code == 302
        assert "sudah ditutup" in _messages(response)[-1]


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "viewer"])
def test_the_form_pages_are_the_secretariats(client, request, persona, meeting):
    client.force_login(request.getfixturevalue(persona))
    for name in ("meetings:attendance-form", "meetings:agenda-form"):
        assert client.get(reverse(name, args=[meeting.pk])).status_code == 403


# Home: open meetings, today's first --------------------------------------------------------------------------------


def test_home_lists_open_meetings_today_first(client, secretary, pupr_kalsel, meeting):
    now = timezone.localtime()
    today = now.replace(hour=8, minute=0, second=0, microsecond=0)

    def make(title, starts, fiscal_year=2027, closed=False):
        return MeetingFactory(
            title=title,
            organiser=pupr_kalsel,
            starts_at=starts,
            ends_at=starts + timedelta(hours=8),
            fiscal_year=fiscal_year,
            closed_at=now if closed else None,
        )

    make("Forum PD minggu depan", today + timedelta(days=7))
    make("Rakortek PKP hari ini", today)
    make("Rakornis lama yang sudah ditutup", today - timedelta(days=2), closed=True)
    make("Lokakarya TA 2028", today + timedelta(days=1), fiscal_year=2028)
    client.force_login(secretary)
    text = client.get(reverse("home")).text
    section = text[text.index('id="open-meetings"') :]
    titles = ["Rakortek PKP hari ini", "Lokakarya TA 2028", "Forum PD minggu depan", meeting.title]
    positions = [section.index(title) for title in titles]
    assert positions == sorted(positions)  # today's, the coming ones by date, then the past one still open
    assert "Rakornis lama yang sudah ditutup" not in section
    assert section.index("Hari ini") < section.index("Rakortek PKP hari ini")
    assert section.count("Hari ini") == 1


def test_home_of_an_operator_lists_no_meetings(client, operator_banjar, meeting):
    client.force_login(operator_banjar)
    assert 'id="open-meetings"' not in client.get(reverse("home")).text


def test_a_meeting_of_another_province_is_not_listed(client, secretary, kalteng_meeting):
    client.force_login(secretary)
    text = client.get(reverse("home")).text
    assert kalteng_meeting.title not in text
    assert "Tidak ada rapat yang sedang terbuka." in text

"""English for the texts that come from Python (issue 10): field names, status and other choice names, form labels and
errors, flash messages and refusals. The choices' values never change, and what the application stores or signs
(audit notes, Excel files, the Berita Acara, the importer's words) stays Indonesian whatever the reader's language;
Indonesian stays the default."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from meetings.services import decision_record
from programs.models import Proposal
from programs.xlsx.importer.cells import parse_origin, parse_priority
from rakornis.models import AuditEntry
from tests.factories import (
    FundingSchemeFactory,
    MeetingFactory,
    funded_proposal,
    proposal_form_data,
    verified_proposal,
)

pytestmark = pytest.mark.django_db
WITA = ZoneInfo("Asia/Makassar")


def english(client) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})


@pytest.fixture
def submitted(banjar, pupr_banjar):
    return funded_proposal(
        region=banjar,
        agency=pupr_banjar,
        name="Peningkatan Jalan Martapura",
        status=Proposal.Status.SUBMITTED,
        priority=Proposal.Priority.HIGH,
        origin=Proposal.Origin.POKIR,
    )


@pytest.fixture
def decided(secretary, pupr_kalsel, banjar, pupr_banjar):
    """A meeting with one agreed proposal, recorded by a secretary who reads English."""
    FundingSchemeFactory(code="APBD_KAB")
    meeting = MeetingFactory(
        title="Rakornis Dinas PUPR Kalsel 2026",
        organiser=pupr_kalsel,
        starts_at=datetime(2026, 1, 29, 9, tzinfo=WITA),
        ends_at=datetime(2026, 1, 29, 16, tzinfo=WITA),
    )
    proposal = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000}, name="Jembatan Astambul")
    with translation.override("en"):
        decision_record(meeting=meeting, proposal=proposal, user=secretary, outcome="agreed")
    return meeting, proposal


def test_in_english_statuses_priorities_and_origins_are_english(client, operator_banjar, submitted):
    client.force_login(operator_banjar)
    english(client)
    listing = client.get(reverse("programs:proposal-list")).text
    assert ">Submitted<" in listing
    assert ">Diajukan<" not in listing
    page = client.get(submitted.get_absolute_url()).text
    assert ">High<" in page and ">DPRD members&#x27; proposals (Pokir)<" in page
    assert ">Tinggi<" not in page and ">Pokir DPRD<" not in page
    # The data stays as typed, and the value in the database is the same.
    assert "Peningkatan Jalan Martapura" in page
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_indonesian_stays_the_default_for_statuses_and_choices(client, operator_banjar, submitted):
    client.force_login(operator_banjar)
    listing = client.get(reverse("programs:proposal-list"), HTTP_ACCEPT_LANGUAGE="en").text
    assert ">Diajukan<" in listing and ">Submitted<" not in listing
    page = client.get(submitted.get_absolute_url()).text
    assert ">Tinggi<" in page and ">Pokir DPRD<" in page and ">High<" not in page


def test_the_proposal_export_stays_indonesian_for_an_english_reader(client, operator_banjar, submitted):
    client.force_login(operator_banjar)
    english(client)
    response = client.get(reverse("programs:proposal-export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    cells = {cell for row in rows for cell in row if isinstance(cell, str)}
    assert {"Diajukan", "Tinggi", "Pokir DPRD"} <= cells
    assert not {"Submitted", "High", "DPRD members' proposals (Pokir)"} & cells


def test_the_berita_acara_stays_indonesian_and_the_meeting_page_is_english(client, secretary, decided):
    meeting, proposal = decided
    client.force_login(secretary)
    english(client)
    minutes = client.get(reverse("meetings:meeting-minutes", args=[meeting.pk])).text
    assert "Disepakati" in minutes
    assert ">Agreed<" not in minutes
    page = client.get(meeting.get_absolute_url()).text
    assert "Agreed" in page


def test_an_english_secretary_leaves_an_indonesian_audit_note(decided):
    meeting, proposal = decided
    notes = list(AuditEntry.objects.for_object(proposal).exclude(note="").values_list("note", flat=True))
    assert f"Disepakati dalam {meeting.title}" in notes
    assert not any("Agreed" in note for note in notes)


def test_the_importer_reads_the_indonesian_words_whatever_the_language():
    with translation.override("en"):
        assert parse_priority("Tinggi") == Proposal.Priority.HIGH
        assert parse_origin("Pokir DPRD") == Proposal.Origin.POKIR
        assert parse_origin("Musrenbang Kab/Kota") == Proposal.Origin.MUSRENBANG


def test_notification_settings_name_the_events_in_english(client, operator_banjar):
    client.force_login(operator_banjar)
    english(client)
    text = client.get(reverse("notifications:notification-preferences")).text
    assert 'aria-label="Proposal submitted: in the application"' in text
    assert "Usulan diajukan" not in text
    default = client.get(reverse("notifications:notification-preferences"), HTTP_ACCEPT_LANGUAGE="id")
    assert default.status_code == 200


def test_a_bad_comment_is_refused_in_english(client, operator_banjar, submitted):
    client.force_login(operator_banjar)
    english(client)
    response = client.post(reverse("programs:comment-create", args=[submitted.pk]), {"text": "  "}, follow=True)
    assert "The comment is empty: write your message." in response.text
    assert not submitted.comments.exists()


def test_a_bad_comment_is_refused_in_indonesian_by_default(client, operator_banjar, submitted):
    client.force_login(operator_banjar)
    response = client.post(reverse("programs:comment-create", args=[submitted.pk]), {"text": ""}, follow=True)
    assert "Komentar kosong: tuliskan pesan Anda." in response.text


def test_another_regencys_operator_does_not_see_the_proposal_in_english_either(client, operator_tapin, submitted):
    client.force_login(operator_tapin)
    english(client)
    response = client.get(submitted.get_absolute_url())
    assert response.status_code == 404
    assert "Peningkatan Jalan Martapura" not in response.text


def test_in_english_the_proposal_form_labels_and_errors_are_english(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    english(client)
    form = client.get(reverse("programs:proposal-create")).text
    assert "Latitude (e.g. -3,3186)" in form and "Forward estimate amount (Rp)" in form
    assert "Lintang (mis. -3,3186)" not in form
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000.000")], name="")
    response = client.post(reverse("programs:proposal-create"), data)
    assert response.status_code == 200
    assert "The proposal name is required." in response.text
    assert "Nama usulan wajib diisi." not in response.text
    assert not Proposal.objects.exists()


def test_by_default_the_proposal_form_speaks_indonesian(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000.000")], name="")
    text = client.post(reverse("programs:proposal-create"), data).text
    assert "Nama usulan wajib diisi." in text and "Lintang (mis. -3,3186)" in text


def test_in_english_the_flash_message_and_the_state_machines_refusal_are_english(
    client, operator_banjar, banjar, pupr_banjar
):
    draft = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT)
    client.force_login(operator_banjar)
    english(client)
    response = client.post(reverse("programs:proposal-submit", args=[draft.pk]), follow=True)
    assert f"Proposal {draft.number} submitted to the province for verification." in response.text
    # Submitting it again is refused by the state machine, in English, and changes nothing.
    response = client.post(reverse("programs:proposal-submit", args=[draft.pk]), follow=True)
    assert "A proposal with status Submitted cannot be submitted." in response.text
    draft.refresh_from_db()
    assert draft.status == Proposal.Status.SUBMITTED


def test_by_default_the_state_machines_refusal_is_indonesian(client, operator_banjar, submitted):
    client.force_login(operator_banjar)
    response = client.post(reverse("programs:proposal-submit", args=[submitted.pk]), follow=True)
    assert "Usulan berstatus Diajukan tidak dapat diajukan." in response.text


def test_a_verifier_cannot_submit_in_english_either(client, verifier, banjar, pupr_banjar):
    draft = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT)
    client.force_login(verifier)
    english(client)
    assert client.post(reverse("programs:proposal-submit", args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Proposal.Status.DRAFT


def test_the_list_filters_are_english(client, operator_banjar, submitted):
    client.force_login(operator_banjar)
    english(client)
    text = client.get(reverse("programs:proposal-list")).text
    assert "Sort by" in text and "Largest amount" in text and "Possible overlap" in text
    assert "Urutkan" not in text


def test_a_meetings_refusal_is_english_and_records_nothing(client, secretary, pupr_kalsel, banjar, pupr_banjar):
    meeting = MeetingFactory(
        organiser=pupr_kalsel,
        starts_at=datetime(2026, 1, 29, 9, tzinfo=WITA),
        ends_at=datetime(2026, 1, 29, 16, tzinfo=WITA),
    )
    submitted = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(secretary)
    url = reverse("meetings:decision-record", args=[meeting.pk, submitted.pk])
    data = {"version": submitted.version, "outcome": "agreed"}
    english(client)
    response = client.post(url, data, follow=True)
    assert f"Proposal {submitted.number} is submitted; only verified proposals can be decided." in response.text
    assert "hanya usulan terverifikasi" not in response.text
    assert not AuditEntry.objects.for_object(submitted).exists()
    client.post(reverse("set_language"), {"language": "id", "next": "/"})
    assert "hanya usulan terverifikasi" in client.post(url, data, follow=True).text


def test_the_decision_forms_buttons_and_labels_are_english(client, secretary, pupr_kalsel, banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB")
    meeting = MeetingFactory(
        organiser=pupr_kalsel,
        starts_at=datetime(2026, 1, 29, 9, tzinfo=WITA),
        ends_at=datetime(2026, 1, 29, 16, tzinfo=WITA),
    )
    proposal = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1_500_000_000})
    url = reverse("meetings:decision-record", args=[meeting.pk, proposal.pk])
    client.force_login(secretary)
    assert ">Simpan dan berikutnya<" in client.get(url).text
    english(client)
    text = client.get(url).text
    assert ">Save and next<" in text and ">Save decision<" in text
    assert 'title="Save, then go back to the agenda (Alt+S)"' in text
    assert "Proposed: Rp 1.500.000.000" in text
    assert ">Simpan dan berikutnya<" not in text

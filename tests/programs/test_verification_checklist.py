"""The verifier's readiness checklist: verify with every criterion met, with one unmet and a note, refused with one
unmet and no note; a return records the checklist and its note, which the operator then reads on the edit page and
on their home page's list of returned proposals."""

import pytest
from django.urls import reverse

from programs import services
from programs.models import Proposal, ProposalCheck, ReadinessCriterion
from rakornis.models import AuditEntry
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db

DEFAULTS = ["DED tersedia", "Status lahan clear and clean", "Dokumen lingkungan tersedia", "Sesuai kewenangan provinsi"]


@pytest.fixture
def submitted(banjar, pupr_banjar):
    return funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)


def criteria() -> list[ReadinessCriterion]:
    return list(ReadinessCriterion.objects.filter(active=True).order_by("order", "pk"))


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-verify", args=[proposal.pk])


def status_of(proposal: Proposal) -> str:
    return Proposal.objects.values_list("status", flat=True).get(pk=proposal.pk)


def test_the_defaults_from_practice_are_seeded():
    assert [criterion.name for criterion in criteria()] == DEFAULTS


def test_the_page_shows_the_checklist_and_the_documents(client, verifier, submitted):
    client.force_login(verifier)
    response = client.get(url(submitted))
    assert response.status_code == 200
    for name in DEFAULTS:
        assert name in response.text
    assert 'id="documents"' in response.text and "Belum ada dokumen pendukung." in response.text
    assert 'id="document-upload"' not in response.text  # the verifier reads documents, does not attach them


def test_verified_with_every_criterion_met(client, verifier, submitted):
    client.force_login(verifier)
    met = [str(c.pk) for c in criteria()]
    response = client.post(url(submitted), {"criteria": met, "decision": "verify"}, follow=True)
    assert f"Usulan {submitted.number} terverifikasi." in response.text
    assert status_of(submitted) == Proposal.Status.VERIFIED
    check = ProposalCheck.objects.get(proposal=submitted)
    assert (check.outcome, check.checked_by, check.note) == (ProposalCheck.Outcome.VERIFIED, verifier, "")
    assert {(item.criterion.name, item.met) for item in check.items.all()} == {(name, True) for name in DEFAULTS}
    # The proposal's page shows who checked what.
    assert "Pemeriksaan kesiapan terakhir" in response.text and "✓ Terpenuhi" in response.text


def test_verified_with_one_unmet_and_a_note(client, verifier, submitted):
    client.force_login(verifier)
    met = [str(c.pk) for c in criteria() if c.name != "Dokumen lingkungan tersedia"]
    note = "SPPL menyusul; pekerjaan skala kecil."
    response = client.post(url(submitted), {"criteria": met, "note": note, "decision": "verify"}, follow=True)
    assert "terverifikasi" in response.text
    assert status_of(submitted) == Proposal.Status.VERIFIED
    check = ProposalCheck.objects.get(proposal=submitted)
    assert check.note == note
    assert [item.criterion.name for item in check.items.filter(met=False)] == ["Dokumen lingkungan tersedia"]
    entry = AuditEntry.objects.for_object(submitted).get()
    assert (entry.action, entry.note) == (AuditEntry.Action.VERIFIED, note)


@pytest.mark.parametrize("note", ["", "   "])
def test_one_unmet_and_no_note_is_refused(client, verifier, submitted, note):
    client.force_login(verifier)
    met = [str(c.pk) for c in criteria() if c.name != "Status lahan clear and clean"]
    response = client.post(url(submitted), {"criteria": met, "note": note, "decision": "verify"})
    assert response.status_code == 200
    assert "Kriteria kesiapan belum terpenuhi: Status lahan clear and clean." in response.text
    # The ticks are kept on the page shown again.
    assert response.text.count("checked") >= len(met)
    assert status_of(submitted) == Proposal.Status.SUBMITTED
    assert not ProposalCheck.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_service_refuses_too(verifier, submitted):
    with pytest.raises(services.TransitionError, match="Kriteria kesiapan belum terpenuhi: DED tersedia"):
        services.proposal_verify(proposal=submitted, user=verifier, met=[c.pk for c in criteria()][1:])
    assert status_of(submitted) == Proposal.Status.SUBMITTED
    assert not ProposalCheck.objects.exists()


def test_an_inactive_criterion_is_not_asked(client, verifier, submitted):
    ReadinessCriterion.objects.filter(name="Sesuai kewenangan provinsi").update(active=False)
    client.force_login(verifier)
    assert "Sesuai kewenangan provinsi" not in client.get(url(submitted)).text
    met = [str(c.pk) for c in criteria()]
    client.post(url(submitted), {"criteria": met, "decision": "verify"})
    assert status_of(submitted) == Proposal.Status.VERIFIED
    assert ProposalCheck.objects.get().items.count() == 3


def test_a_criterion_that_does_not_exist_is_a_message(client, verifier, submitted):
    client.force_login(verifier)
    response = client.post(url(submitted), {"criteria": ["999999"], "decision": "verify"})
    assert response.status_code == 200
    assert "Kriteria yang dipilih tidak ada lagi" in response.text
    assert status_of(submitted) == Proposal.Status.SUBMITTED


def test_returned_with_the_checklist_and_the_note_reaches_the_operator(client, verifier, operator_banjar, submitted):
    client.force_login(verifier)
    met = [str(c.pk) for c in criteria() if c.name != "DED tersedia"]
    note = "Lampirkan DED ruas Martapura - Astambul."
    response = client.post(url(submitted), {"criteria": met, "note": note, "decision": "return"}, follow=True)
    assert "dikembalikan ke operator" in response.text
    assert status_of(submitted) == Proposal.Status.RETURNED
    check = ProposalCheck.objects.get(proposal=submitted)
    assert (check.outcome, check.note) == (ProposalCheck.Outcome.RETURNED, note)

    client.force_login(operator_banjar)
    edit = client.get(reverse("programs:proposal-update", args=[submitted.pk])).text
    assert 'id="return-note"' in edit and note in edit and "verifikator.pupr" in edit
    home = client.get(reverse("home")).text
    assert f"Catatan verifikator: “{note}”" in home


def test_a_return_needs_a_note(client, verifier, submitted):
    client.force_login(verifier)
    response = client.post(url(submitted), {"criteria": [], "note": "", "decision": "return"})
    assert "Catatan pengembalian wajib diisi" in response.text
    assert status_of(submitted) == Proposal.Status.SUBMITTED


def test_the_note_of_an_earlier_return_is_not_shown_once_resubmitted(client, verifier, operator_banjar, submitted):
    services.proposal_return(proposal=submitted, user=verifier, note="Perbaiki volume.")
    services.proposal_submit(proposal=submitted, user=operator_banjar)
    client.force_login(operator_banjar)
    assert 'id="return-note"' not in client.get(submitted.get_absolute_url()).text


def test_not_submitted_is_sent_back_to_the_proposal(client, verifier, banjar, pupr_banjar):
    draft = funded_proposal(region=banjar, agency=pupr_banjar, status=Proposal.Status.DRAFT)
    client.force_login(verifier)
    response = client.get(url(draft), follow=True)
    assert "tidak sedang menunggu verifikasi" in response.text
    response = client.post(url(draft), {"criteria": [str(c.pk) for c in criteria()]}, follow=True)
    assert status_of(draft) == Proposal.Status.DRAFT


def test_another_kabupatens_operator_gets_404(client, operator_tapin, submitted):
    client.force_login(operator_tapin)
    assert client.get(url(submitted)).status_code == 404
    assert client.post(url(submitted), {"criteria": []}).status_code == 404


@pytest.mark.parametrize("persona", ["operator_banjar", "viewer", "planner"])
def test_roles_without_the_right_get_403(client, request, persona, submitted):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(submitted)).status_code == 403
    met = [str(c.pk) for c in criteria()]
    assert client.post(url(submitted), {"criteria": met}).status_code == 403
    assert client.post(url(submitted), {"criteria": met, "note": "x", "decision": "return"}).status_code == 403
    assert status_of(submitted) == Proposal.Status.SUBMITTED

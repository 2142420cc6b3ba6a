import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Decision
from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory, verified_proposal

pytestmark = pytest.mark.django_db


def _url(meeting, proposal):
    return reverse("meetings:decision-record", args=[meeting.pk, proposal.pk])


def _post(client, meeting, proposal, **data):
    payload = {"version": proposal.version, "outcome": Decision.Outcome.AGREED, **data}
    return client.post(_url(meeting, proposal), payload)


def test_form_is_prefilled_with_the_proposals_amounts(client, secretary, meeting, tapin_proposal, pupr_kalsel):
    client.force_login(secretary)
    response = client.get(_url(meeting, tapin_proposal))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["amount_APBD_PROV"].value() == 2_000_000_000
    assert form["amount_BKP"].value() == 500_000_000
    assert form["executing_agency"].value() == pupr_kalsel.pk  # APBD Provinsi: the organiser executes
    assert 'value="2.000.000.000"' in response.text
    assert "Rp 2.000.000.000" in response.text


def test_secretary_records_agreed(client, secretary, meeting, banjar_proposal):
    client.force_login(secretary)
    response = _post(client, meeting, banjar_proposal)
    assert response.status_code == 302
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.AGREED
    decision = Decision.objects.get()
    assert decision.funding_lines.get().amount == 1_500_000_000


def test_agreed_with_changes_takes_typed_amounts_with_dots(client, secretary, meeting, banjar_proposal):
    client.force_login(secretary)
    response = _post(
        client,
        meeting,
        banjar_proposal,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        amount_APBD_KAB="1.000.000.000",
        amount_BKP="250000000",
        agreed_volume="2,00",
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert {line.scheme.code: line.amount for line in decision.funding_lines.all()} == {
        "APBD_KAB": 1_000_000_000,
        "BKP": 250_000_000,
    }
    assert decision.agreed_volume == 2
    entry = AuditEntry.objects.for_object(banjar_proposal).get()
    assert entry.changes["status"] == ["verified", "agreed_with_changes"]
    assert entry.changes["agreed_funding"] == [None, {"APBD_KAB": "1000000000", "BKP": "250000000"}]


@pytest.mark.parametrize("volume", ["1,5", "1.5"])
def test_agreed_volume_and_amounts_are_read_by_the_number_parser(client, secretary, meeting, banjar_proposal, volume):
    client.force_login(secretary)
    page = client.get(_url(meeting, banjar_proposal)).text
    assert 'type="number"' not in page
    assert re.search(r'name="agreed_volume"[^>]*inputmode="decimal"', page)
    response = _post(
        client,
        meeting,
        banjar_proposal,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        amount_APBD_KAB="1.500.000",
        agreed_volume=volume,
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.agreed_volume == Decimal("1.5")
    assert decision.funding_lines.get().amount == 1_500_000


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("agreed_volume", "1,555", "Volume disepakati paling banyak 2 angka di belakang koma (1,555)."),
        ("agreed_volume", "0", "Volume disepakati harus lebih dari 0."),
        ("amount_APBD_KAB", "1.500.000,50", "Pagu harus dalam rupiah bulat tanpa sen (Rp 1.500.000,50)."),
        ("amount_APBD_KAB", "-5", "Pagu tidak boleh negatif (Rp -5)."),
        ("amount_APBD_KAB", "satu juta", "'satu juta' bukan angka."),
    ],
)
def test_bad_numbers_in_the_decision_form_are_refused_with_the_parsers_message(
    client, secretary, meeting, banjar_proposal, field, typed, message
):
    client.force_login(secretary)
    data = {"amount_APBD_KAB": "1.000.000", "agreed_volume": "2", field: typed}
    response = _post(client, meeting, banjar_proposal, outcome=Decision.Outcome.AGREED_WITH_CHANGES, **data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not Decision.objects.exists()


def test_agreed_with_changes_that_changes_nothing_asks_for_agreed(client, secretary, meeting, banjar_proposal):
    client.force_login(secretary)
    response = _post(
        client,
        meeting,
        banjar_proposal,
        outcome=Decision.Outcome.AGREED_WITH_CHANGES,
        amount_APBD_KAB="1.500.000.000",
        agreed_volume="2,50",
    )
    assert response.status_code == 200
    assert "pilih \u201cDisepakati\u201d" in response.text
    assert not Decision.objects.exists()


@pytest.mark.parametrize("outcome", [Decision.Outcome.DEFERRED, Decision.Outcome.REJECTED])
def test_reason_is_required_next_to_the_field(client, secretary, meeting, banjar_proposal, outcome):
    client.force_login(secretary)
    response = _post(client, meeting, banjar_proposal, outcome=outcome, reason="")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "Alasan wajib diisi untuk usulan yang ditangguhkan atau ditolak."
    ]
    assert not Decision.objects.exists()
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.VERIFIED


def test_merged_needs_an_existing_target_that_is_not_itself(
    client, secretary, meeting, banjar_proposal, banjar, pupr_banjar
):
    client.force_login(secretary)
    response = _post(client, meeting, banjar_proposal, outcome=Decision.Outcome.MERGED, merged_into_number="")
    assert "Isi nomor usulan tujuan" in response.text
    response = _post(
        client, meeting, banjar_proposal, outcome=Decision.Outcome.MERGED, merged_into_number=banjar_proposal.number
    )
    assert "dirinya sendiri" in response.text
    response = _post(client, meeting, banjar_proposal, outcome=Decision.Outcome.MERGED, merged_into_number="USL-X")
    assert "tidak ditemukan" in response.text
    assert not Decision.objects.exists()
    target = verified_proposal(banjar, pupr_banjar, {"APBD_KAB": 1})
    response = _post(
        client, meeting, banjar_proposal, outcome=Decision.Outcome.MERGED, merged_into_number=target.number
    )
    assert response.status_code == 302
    assert Decision.objects.get().merged_into == target


def test_merge_target_outside_the_scope_is_not_found(client, secretary, meeting, banjar_proposal, kalteng_agency):
    from tests.factories import regency

    elsewhere = verified_proposal(regency("62.03", "Kabupaten Kapuas"), kalteng_agency, {"APBD_KAB": 1})
    client.force_login(secretary)
    response = _post(
        client, meeting, banjar_proposal, outcome=Decision.Outcome.MERGED, merged_into_number=elsewhere.number
    )
    assert "tidak ditemukan" in response.text
    assert not Decision.objects.exists()


def test_fields_a_form_does_not_offer_are_ignored(client, secretary, meeting, banjar_proposal, verifier):
    client.force_login(secretary)
    _post(client, meeting, banjar_proposal, decided_by=verifier.pk, status=Proposal.Status.REJECTED)
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.AGREED
    assert Decision.objects.get().decided_by == secretary


def test_a_proposal_that_is_not_verified_is_refused(client, secretary, meeting, banjar, pupr_banjar):
    draft = ProposalFactory(region=banjar, agency=pupr_banjar, status=Proposal.Status.SUBMITTED)
    client.force_login(secretary)
    response = client.post(_url(meeting, draft), {"version": 1, "outcome": Decision.Outcome.AGREED}, follow=True)
    assert "hanya usulan terverifikasi" in response.text
    draft.refresh_from_db()
    assert draft.status == Proposal.Status.SUBMITTED
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.exists()


def test_stale_form_is_refused_and_keeps_what_was_typed(client, secretary, meeting, banjar_proposal):
    client.force_login(secretary)
    response = _post(
        client, meeting, banjar_proposal, outcome=Decision.Outcome.REJECTED, reason="Tumpang tindih", version=0
    )
    assert response.status_code == 200
    assert "baru saja diubah" in response.text
    assert "Tumpang tindih" in response.text
    assert not Decision.objects.exists()


def test_closed_meeting_refuses_decisions(client, secretary, meeting, banjar_proposal):
    meeting.closed_at = timezone.now()
    meeting.save()
    client.force_login(secretary)
    response = _post(client, meeting, banjar_proposal)
    assert response.status_code == 302
    assert not Decision.objects.exists()
    banjar_proposal.refresh_from_db()
    assert banjar_proposal.status == Proposal.Status.VERIFIED


def test_meeting_of_another_province_is_404(client, secretary, kalteng_meeting, banjar_proposal):
    client.force_login(secretary)
    assert client.get(_url(kalteng_meeting, banjar_proposal)).status_code == 404


def test_proposal_outside_the_scope_is_404(client, superuser, secretary, meeting, kalteng_agency):
    from tests.factories import regency

    elsewhere = verified_proposal(regency("62.03", "Kabupaten Kapuas"), kalteng_agency, {"APBD_KAB": 1})
    client.force_login(secretary)
    assert client.get(_url(meeting, elsewhere)).status_code == 404
    client.force_login(superuser)  # sees it, but it is not of the organiser's province
    response = client.post(_url(meeting, elsewhere), {"version": 1, "outcome": Decision.Outcome.AGREED})
    assert "bukan dari provinsi" in response.text
    assert not Decision.objects.exists()


@pytest.mark.parametrize("persona", ["operator_banjar", "verifier", "planner", "viewer"])
def test_other_roles_get_403(client, request, persona, meeting, banjar_proposal):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(meeting, banjar_proposal)).status_code == 403
    assert _post(client, meeting, banjar_proposal).status_code == 403
    assert not Decision.objects.exists()


def test_wrong_method_is_405(client, secretary, meeting, banjar_proposal):
    client.force_login(secretary)
    assert client.delete(_url(meeting, banjar_proposal)).status_code == 405

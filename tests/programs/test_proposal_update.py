from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import funded_proposal, proposal_form_data

pytestmark = pytest.mark.django_db


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-update", args=[proposal.pk])


def edit_data(proposal: Proposal, *, funding=(("APBD_KAB", "1500000000"),), **overrides) -> dict:
    values = {"name": proposal.name, "version": str(proposal.version), **overrides}
    return proposal_form_data(region=proposal.region, agency=proposal.agency, funding=list(funding), **values)


@pytest.fixture
def draft(banjar, pupr_banjar):
    return funded_proposal(region=banjar, agency=pupr_banjar, location="Ruas Martapura - Astambul STA 0+000 s.d. 2+500")


def test_operator_edits_a_draft_and_the_audit_records_old_and_new(client, operator_banjar, draft):
    client.force_login(operator_banjar)
    response = client.get(url(draft))
    assert response.status_code == 200
    assert f'name="version" value="{draft.version}"' in response.text
    data = edit_data(draft, funding=[("APBD_KAB", "2000000000"), ("DAK_FISIK", "500000000")], volume="3.75")
    response = client.post(url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.volume == Decimal("3.75")
    assert draft.version == 2
    assert {line.scheme.code: line.amount for line in draft.funding_lines.all()} == {
        "APBD_KAB": Decimal("2000000000"),
        "DAK_FISIK": Decimal("500000000"),
    }
    entry = AuditEntry.objects.for_object(draft).get()
    assert entry.action == AuditEntry.Action.CHANGED
    assert entry.user == operator_banjar
    assert entry.changes["volume"] == ["2.5", "3.75"]
    assert entry.changes["funding"] == [
        {"APBD_KAB": "1500000000"},
        {"APBD_KAB": "2000000000", "DAK_FISIK": "500000000"},
    ]
    # Unchanged fields are not recorded.
    assert "unit" not in entry.changes


def test_saving_without_changes_writes_nothing(client, operator_banjar, draft):
    client.force_login(operator_banjar)
    data = edit_data(
        draft,
        volume="2.5",
        unit=draft.unit,
        output_indicator="",
        priority=str(draft.priority),
        origin=draft.origin,
        sub_activity=str(draft.sub_activity_id),
    )
    client.post(url(draft), data)
    draft.refresh_from_db()
    assert draft.version == 1
    assert not AuditEntry.objects.exists()


def test_concurrent_edit_second_save_is_refused_and_keeps_what_was_typed(operator_banjar, superuser, draft):
    first, second = Client(), Client()
    first.force_login(operator_banjar)
    second.force_login(superuser)
    # Both open the form at version 1.
    assert first.get(url(draft)).status_code == 200
    assert second.get(url(draft)).status_code == 200
    assert first.post(url(draft), edit_data(draft, name="Nama dari operator")).status_code == 302
    response = second.post(url(draft), edit_data(draft, name="Nama dari admin yang terlambat", volume="9"))
    assert response.status_code == 200
    assert "Usulan ini telah diubah oleh operator.banjar" in response.text
    assert "Muat ulang" in response.text
    assert 'value="Nama dari admin yang terlambat"' in response.text
    draft.refresh_from_db()
    assert draft.name == "Nama dari operator"
    assert draft.volume == Decimal("2.50")
    assert draft.version == 2
    assert AuditEntry.objects.for_object(draft).count() == 1


def test_submitted_proposal_cannot_be_edited(client, operator_banjar, draft):
    draft.status = Proposal.Status.SUBMITTED
    draft.save()
    client.force_login(operator_banjar)
    response = client.get(url(draft))
    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()
    response = client.post(url(draft), edit_data(draft, name="Diam-diam diubah"), follow=True)
    assert "tidak dapat diubah" in response.text
    draft.refresh_from_db()
    assert draft.name != "Diam-diam diubah"


def test_returned_proposal_can_be_edited(client, operator_banjar, draft):
    draft.status = Proposal.Status.RETURNED
    draft.save()
    client.force_login(operator_banjar)
    assert client.post(url(draft), edit_data(draft, name="Sudah diperbaiki")).status_code == 302
    draft.refresh_from_db()
    assert draft.name == "Sudah diperbaiki"
    assert draft.status == Proposal.Status.RETURNED


def test_posted_status_is_ignored(client, operator_banjar, draft):
    client.force_login(operator_banjar)
    client.post(url(draft), edit_data(draft, name="Baru", status="agreed", number="USL-9999"))
    draft.refresh_from_db()
    assert draft.status == Proposal.Status.DRAFT
    assert draft.number.startswith("USL-2027-63.03-")


def test_bad_input_keeps_the_proposal_unchanged(client, operator_banjar, draft):
    client.force_login(operator_banjar)
    response = client.post(url(draft), edit_data(draft, volume="0", name="Tidak tersimpan"))
    assert response.status_code == 200
    assert "Volume harus lebih dari 0." in response.text
    draft.refresh_from_db()
    assert draft.name != "Tidak tersimpan"


def test_another_kabupatens_proposal_is_404(client, operator_tapin, draft):
    client.force_login(operator_tapin)
    assert client.get(url(draft)).status_code == 404
    assert client.post(url(draft), {}).status_code == 404


@pytest.mark.parametrize("persona", ["verifier", "planner", "secretary", "viewer"])
def test_provincial_roles_may_not_edit(client, request, persona, draft):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(draft)).status_code == 403
    assert client.post(url(draft), edit_data(draft, name="Tidak boleh")).status_code == 403


def test_wrong_method_is_405(client, operator_banjar, draft):
    client.force_login(operator_banjar)
    assert client.delete(url(draft)).status_code == 405


def test_missing_proposal_is_404(client, operator_banjar):
    client.force_login(operator_banjar)
    assert client.get(reverse("programs:proposal-update", args=[999999])).status_code == 404


def test_agency_choices_follow_the_kabupaten(client, operator_banjar, pupr_tapin, draft):
    client.force_login(operator_banjar)
    response = client.get(url(draft))
    assert "Dinas PUPR Kab. Tapin" not in response.text

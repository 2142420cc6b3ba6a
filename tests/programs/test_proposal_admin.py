"""The proposal pages of the Django admin: every write goes through `programs.services`, the status and anything
the state machine has frozen are read-only for everyone, superusers included."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from programs.models import Proposal, ProposalFunding
from programs.services import proposal_update
from rakornis.models import AuditEntry
from tests.admin_support import admin_url, form_data, grant
from tests.factories import FundingSchemeFactory, ProposalFactory, ProposalFundingFactory, sub_activity

pytestmark = pytest.mark.django_db

NUMBER = "USL-2027-63.03-0001"


@pytest.fixture
def apbd_kab():
    return FundingSchemeFactory(code="APBD_KAB", name="APBD Kabupaten/Kota", short_name="APBD Kab")


@pytest.fixture
def draft(banjar, pupr_banjar, apbd_kab):
    proposal = ProposalFactory(number=NUMBER, region=banjar, agency=pupr_banjar, name="Jalan Martapura")
    ProposalFundingFactory(proposal=proposal, scheme=apbd_kab, amount=Decimal("1500000000"))
    return proposal


def change_url(proposal: Proposal) -> str:
    return admin_url(Proposal, "change", proposal.pk)


def errors(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request) if message.level_tag == "error"]


def add_data(banjar, pupr_banjar, apbd_kab, **overrides) -> dict:
    return {
        "fiscal_year": "2027",
        "priority": "2",
        "origin": Proposal.Origin.MUSRENBANG,
        "region": str(banjar.pk),
        "agency": str(pupr_banjar.pk),
        "sub_activity": str(sub_activity().pk),
        "name": "Rehabilitasi Jembatan Sungai Tabuk",
        "volume": "40",
        "unit": "m",
        "funding_lines-TOTAL_FORMS": "1",
        "funding_lines-INITIAL_FORMS": "0",
        "funding_lines-0-scheme": str(apbd_kab.pk),
        "funding_lines-0-amount": "2000000000",
        **overrides,
    }


# --- Adding and changing: through the services -----------------------------------------------------------------------


def test_adding_a_proposal_gives_the_next_number_and_a_created_entry_with_its_funding(
    admin_client, draft, banjar, pupr_banjar, apbd_kab
):
    response = admin_client.post(admin_url(Proposal, "add"), add_data(banjar, pupr_banjar, apbd_kab))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    proposal = Proposal.objects.get(name="Rehabilitasi Jembatan Sungai Tabuk")
    assert proposal.number == "USL-2027-63.03-0002"
    assert proposal.status == Proposal.Status.DRAFT
    assert proposal.created_by.username == "admin"
    assert proposal.total_amount_value == Decimal("2000000000")
    (entry,) = AuditEntry.objects.for_object(proposal)
    assert entry.action == AuditEntry.Action.CREATED
    assert entry.changes["funding"] == [None, {"APBD_KAB": "2000000000"}]
    assert entry.changes["status"] == [None, Proposal.Status.DRAFT]
    assert not AuditEntry.objects.filter(content_type__model="proposalfunding").exists()
    # The admin's own history (LogEntry) points at the proposal the service made.
    assert LogEntry.objects.get(action_flag=ADDITION).object_id == str(proposal.pk)


def test_an_agency_of_another_region_is_refused(admin_client, banjar, pupr_tapin, pupr_kalsel, apbd_kab):
    # Dinas PUPR Kab. Tapin does not propose for Banjar; the province's own dinas may.
    response = admin_client.post(admin_url(Proposal, "add"), add_data(banjar, pupr_tapin, apbd_kab))
    assert response.status_code == 200
    assert "bukan di Kabupaten Banjar" in str(response.context["adminform"].form.errors["agency"])
    assert not Proposal.objects.exists()
    assert admin_client.post(admin_url(Proposal, "add"), add_data(banjar, pupr_kalsel, apbd_kab)).status_code == 302


def test_a_zero_funding_line_is_not_stored(admin_client, banjar, pupr_banjar, apbd_kab):
    dak = FundingSchemeFactory(code="DAK_FISIK")
    data = add_data(banjar, pupr_banjar, apbd_kab) | {
        "funding_lines-TOTAL_FORMS": "2",
        "funding_lines-1-scheme": str(dak.pk),
        "funding_lines-1-amount": "0",
    }
    assert admin_client.post(admin_url(Proposal, "add"), data).status_code == 302
    proposal = Proposal.objects.get(name="Rehabilitasi Jembatan Sungai Tabuk")
    assert [line.scheme.code for line in proposal.funding_lines.all()] == ["APBD_KAB"]


def test_changing_a_proposal_writes_one_changed_entry_with_old_and_new_values(admin_client, draft):
    data = form_data(admin_client.get(change_url(draft)))
    data["name"] = "Peningkatan Jalan Martapura"
    data["funding_lines-0-amount"] = "1750000000"
    response = admin_client.post(change_url(draft), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    proposal = Proposal.objects.get(pk=draft.pk)
    assert proposal.name == "Peningkatan Jalan Martapura"
    assert proposal.version == 2
    assert ProposalFunding.objects.get(proposal=proposal).amount == Decimal("1750000000")
    (entry,) = AuditEntry.objects.for_object(proposal)
    assert entry.action == AuditEntry.Action.CHANGED
    assert entry.changes == {
        "name": ["Jalan Martapura", "Peningkatan Jalan Martapura"],
        "funding": [{"APBD_KAB": "1500000000"}, {"APBD_KAB": "1750000000"}],
    }
    assert not AuditEntry.objects.filter(content_type__model="proposalfunding").exists()
    assert LogEntry.objects.get(action_flag=CHANGE).object_id == str(proposal.pk)


def test_saving_without_a_change_writes_nothing(admin_client, draft):
    response = admin_client.post(change_url(draft), form_data(admin_client.get(change_url(draft))))
    assert response.status_code == 302
    assert Proposal.objects.get(pk=draft.pk).version == 1
    assert not AuditEntry.objects.exists()


def test_removing_a_funding_line_is_recorded_on_the_proposal(admin_client, draft):
    dak = FundingSchemeFactory(code="DAK_FISIK")
    ProposalFundingFactory(proposal=draft, scheme=dak, amount=Decimal("500000000"))
    data = form_data(admin_client.get(change_url(draft)))
    index = next(i for i in range(2) if data[f"funding_lines-{i}-scheme"] == str(dak.pk))
    data[f"funding_lines-{index}-DELETE"] = "on"
    assert admin_client.post(change_url(draft), data).status_code == 302
    assert [line.scheme.code for line in ProposalFunding.objects.filter(proposal=draft)] == ["APBD_KAB"]
    (entry,) = AuditEntry.objects.for_object(draft)
    assert entry.changes["funding"][1] == {"APBD_KAB": "1500000000"}


def test_changing_the_year_of_a_draft_renumbers_it(admin_client, draft):
    data = form_data(admin_client.get(change_url(draft))) | {"fiscal_year": "2028"}
    assert admin_client.post(change_url(draft), data).status_code == 302
    proposal = Proposal.objects.get(pk=draft.pk)
    assert (proposal.fiscal_year, proposal.number) == (2028, "USL-2028-63.03-0001")


# --- Typed numbers: the admin reads them as the application's forms do ---------------------------------------------


def rendered_value(response, name: str) -> str:
    """The value of the text box `name` as the browser shows it (and sends it back)."""
    match = re.search(rf'<input type="(\w+)" name="{re.escape(name)}" value="([^"]*)"', response.text)
    assert match, f"no input {name}"
    assert match[1] == "text", f"{name} is a {match[1]} input"
    return match[2]


def test_numbers_typed_the_indonesian_way_are_stored_as_meant(admin_client, banjar, pupr_banjar, apbd_kab):
    data = add_data(banjar, pupr_banjar, apbd_kab) | {
        "volume": "1,8",
        "latitude": "-3,4128",
        "longitude": "114,5903",
        "forward_volume": "2.500",
        "forward_amount": "Rp 1.500.000.000",
        "funding_lines-0-amount": "2.000.000.000",
    }
    response = admin_client.post(admin_url(Proposal, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    proposal = Proposal.objects.get(name="Rehabilitasi Jembatan Sungai Tabuk")
    assert proposal.volume == Decimal("1.8")  # not 18
    assert (proposal.latitude, proposal.longitude) == (Decimal("-3.4128"), Decimal("114.5903"))
    assert proposal.forward_volume == Decimal("2500")
    assert proposal.forward_amount == Decimal("1500000000")
    assert proposal.total_amount_value == Decimal("2000000000")
    assert AuditEntry.objects.for_object(proposal).get().changes["volume"] == [None, "1.8"]


def test_the_change_form_shows_numbers_in_indonesian_text_boxes_and_saving_them_back_changes_nothing(
    admin_client, draft
):
    Proposal.objects.filter(pk=draft.pk).update(
        volume=Decimal("1.8"), latitude=Decimal("-3.4128"), longitude=Decimal("114.5903"), forward_amount=10**9
    )
    response = admin_client.get(change_url(draft))
    shown = {
        name: rendered_value(response, name)
        for name in ("volume", "latitude", "longitude", "forward_amount", "funding_lines-0-amount")
    }
    assert shown == {
        "volume": "1,8",
        "latitude": "-3,4128",
        "longitude": "114,5903",
        "forward_amount": "1.000.000.000",
        "funding_lines-0-amount": "1.500.000.000",
    }
    assert admin_client.post(change_url(draft), form_data(response) | shown).status_code == 302
    proposal = Proposal.objects.get(pk=draft.pk)
    assert (proposal.volume, proposal.latitude, proposal.version) == (Decimal("1.8"), Decimal("-3.4128"), 1)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("volume", "1,234", "Volume paling banyak 2 angka di belakang koma (1,234)."),
        ("volume", "0", "Volume harus lebih dari 0."),
        ("volume", "dua", "'dua' bukan angka."),
        ("latitude", "52,5", "Lintang 52,500000 di luar wilayah Indonesia (-11,5 s.d. 6,5)."),
        ("forward_amount", "1.500.000,50", "Pagu harus dalam rupiah bulat tanpa sen (Rp 1.500.000,50)."),
    ],
)
def test_a_number_that_cannot_be_read_is_refused_with_the_forms_message(
    admin_client, banjar, pupr_banjar, apbd_kab, field, typed, message
):
    data = add_data(banjar, pupr_banjar, apbd_kab) | {"latitude": "-3,4", "longitude": "114,5"} | {field: typed}
    response = admin_client.post(admin_url(Proposal, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert rendered_value(response, field) == typed  # kept as typed
    assert not Proposal.objects.exists()


def test_a_funding_amount_with_sen_is_refused_on_its_line(admin_client, banjar, pupr_banjar, apbd_kab):
    data = add_data(banjar, pupr_banjar, apbd_kab) | {"funding_lines-0-amount": "2.000.000,75"}
    response = admin_client.post(admin_url(Proposal, "add"), data)
    assert response.status_code == 200
    (funding,) = response.context["inline_admin_formsets"]
    assert funding.formset.errors[0]["amount"] == ["Pagu harus dalam rupiah bulat tanpa sen (Rp 2.000.000,75)."]
    assert not Proposal.objects.exists()


# --- Status and frozen proposals: read-only for everyone -------------------------------------------------------------


def test_a_superuser_cannot_change_the_status(admin_client, draft):
    response = admin_client.get(change_url(draft))
    assert "status" not in response.context["adminform"].form.fields
    data = form_data(response) | {"status": Proposal.Status.AGREED, "name": "Jalan Martapura Baru"}
    assert admin_client.post(change_url(draft), data).status_code == 302
    proposal = Proposal.objects.get(pk=draft.pk)
    assert proposal.status == Proposal.Status.DRAFT
    assert proposal.name == "Jalan Martapura Baru"  # the rest of the form was saved
    assert "status" not in AuditEntry.objects.for_object(proposal).get().changes


def test_the_status_filter_stays_on_the_list(admin_client, draft):
    response = admin_client.get(admin_url(Proposal, "changelist"), {"status__exact": Proposal.Status.DRAFT})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "?status__exact=submitted" in response.text


def test_a_submitted_proposal_is_read_only_whole_for_a_superuser(admin_client, draft):
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.SUBMITTED)
    response = admin_client.get(change_url(draft))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False
    assert 'name="name"' not in response.text
    (funding,) = response.context["inline_admin_formsets"]
    assert not (funding.has_add_permission or funding.has_change_permission or funding.has_delete_permission)
    assert "Rp 1.500.000.000" in response.text  # still shown
    assert "Usulan berstatus Diajukan tidak dapat diubah." in response.text  # and why it is read-only


def test_editing_a_submitted_proposal_is_refused_with_a_clear_message(admin_client, draft):
    data = form_data(admin_client.get(change_url(draft))) | {"name": "Diubah setelah diajukan"}
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.SUBMITTED)  # submitted meanwhile
    response = admin_client.post(change_url(draft), data)
    assert response.status_code == 302
    assert response.url == change_url(draft)
    assert errors(response) == ["Usulan berstatus Diajukan tidak dapat diubah."]
    assert Proposal.objects.get(pk=draft.pk).name == "Jalan Martapura"
    assert not AuditEntry.objects.exists()


def test_a_submitted_proposal_cannot_be_deleted(admin_client, draft):
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.SUBMITTED)
    assert admin_client.post(admin_url(Proposal, "delete", draft.pk), {"post": "yes"}).status_code == 403
    assert Proposal.objects.filter(pk=draft.pk).exists()


def test_changing_the_year_of_a_returned_proposal_is_refused(admin_client, draft):
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.RETURNED)
    data = form_data(admin_client.get(change_url(draft))) | {"fiscal_year": "2028"}
    response = admin_client.post(change_url(draft), data)
    # Said on the form, next to what was typed (kept), and nothing is written.
    assert response.status_code == 200
    (message,) = response.context["adminform"].form.non_field_errors()
    assert NUMBER in message
    assert "tahun anggaran" in message
    assert response.context["adminform"].form["fiscal_year"].value() == "2028"
    proposal = Proposal.objects.get(pk=draft.pk)
    assert (proposal.fiscal_year, proposal.number) == (2027, NUMBER)


def test_a_change_saved_meanwhile_by_someone_else_is_not_overwritten(admin_client, draft, operator_banjar, apbd_kab):
    data = form_data(admin_client.get(change_url(draft))) | {"name": "Versi admin"}
    funding = {apbd_kab: Decimal("1500000000")}
    proposal_update(proposal=draft, user=operator_banjar, data={"name": "Versi operator"}, funding=funding, version=1)
    response = admin_client.post(change_url(draft), data)
    assert response.status_code == 200
    (message,) = response.context["adminform"].form.non_field_errors()
    assert "operator.banjar" in message
    assert response.context["adminform"].form["name"].value() == "Versi admin"
    assert Proposal.objects.get(pk=draft.pk).name == "Versi operator"


def test_carried_over_from_is_left_to_the_carry_over_service(admin_client, draft, banjar, pupr_banjar):
    earlier = ProposalFactory(region=banjar, agency=pupr_banjar, fiscal_year=2026, number="USL-2026-63.03-0001")
    data = form_data(admin_client.get(change_url(draft))) | {"carried_over_from": str(earlier.pk)}
    assert admin_client.post(change_url(draft), data).status_code == 302
    assert Proposal.objects.get(pk=draft.pk).carried_over_from is None


def test_funding_lines_are_not_written_on_their_own(admin_client, draft):
    line = draft.funding_lines.get()
    url = admin_url(ProposalFunding, "change", line.pk)
    assert admin_client.get(url).context["has_change_permission"] is False
    assert admin_client.post(url, {"scheme": line.scheme_id, "amount": "1"}).status_code == 403
    assert admin_client.post(admin_url(ProposalFunding, "delete", line.pk), {"post": "yes"}).status_code == 403
    assert ProposalFunding.objects.get(pk=line.pk).amount == Decimal("1500000000")


# --- Staff: the policy's roles and regions ---------------------------------------------------------------------------

PROPOSAL_PERMISSIONS = (
    "programs.view_proposal",
    "programs.add_proposal",
    "programs.change_proposal",
    "programs.delete_proposal",
    "programs.view_proposalfunding",
    "programs.add_proposalfunding",
    "programs.change_proposalfunding",
)


def test_banjar_staff_cannot_change_a_tapin_proposal(client, operator_banjar, draft, tapin, pupr_tapin):
    tapin_proposal = ProposalFactory(region=tapin, agency=pupr_tapin, number="USL-2027-63.05-0001", name="Rantau")
    client.force_login(grant(operator_banjar, *PROPOSAL_PERMISSIONS))
    data = form_data(client.get(change_url(draft))) | {"name": "Ditimpa"}
    response = client.post(change_url(tapin_proposal), data)
    assert (response.status_code, response.url) == (302, reverse("admin:index"))  # "does not exist"
    assert Proposal.objects.get(pk=tapin_proposal.pk).name == "Rantau"
    response = client.post(admin_url(Proposal, "delete", tapin_proposal.pk), {"post": "yes"})
    assert (response.status_code, response.url) == (302, reverse("admin:index"))
    assert Proposal.objects.filter(pk=tapin_proposal.pk).exists()


def test_banjar_staff_edits_a_banjar_draft_through_the_services(client, operator_banjar, draft):
    client.force_login(grant(operator_banjar, *PROPOSAL_PERMISSIONS))
    data = form_data(client.get(change_url(draft))) | {"name": "Jalan Martapura Ruas 2"}
    assert client.post(change_url(draft), data).status_code == 302
    entry = AuditEntry.objects.for_object(draft).get()
    assert (entry.user, entry.action) == (operator_banjar, AuditEntry.Action.CHANGED)


def test_a_provincial_verifier_with_every_proposal_permission_only_reads(client, verifier, draft):
    """Editing a proposal is an operator's action (the state machine); Django permissions do not widen it."""
    client.force_login(grant(verifier, *PROPOSAL_PERMISSIONS))
    response = client.get(change_url(draft))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.get(admin_url(Proposal, "add")).status_code == 403
    data = {"name": "Diubah verifikator", "loaded_version": "1"}
    assert client.post(change_url(draft), data).status_code == 403
    assert Proposal.objects.get(pk=draft.pk).name == "Jalan Martapura"


def test_a_funding_line_is_named_with_its_amount_in_rupiah(admin_client, draft):
    """The admin heads each inline row with the line itself: `APBD Kab: Rp 1.500.000.000`, not `1500000000`."""
    text = admin_client.get(change_url(draft)).text
    assert "APBD Kab: Rp 1.500.000.000" in text
    assert "1500000000" not in text

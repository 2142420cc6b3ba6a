from decimal import Decimal

import pytest
from django.urls import reverse

from programs import services
from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import funded_proposal

pytestmark = pytest.mark.django_db


def url(proposal: Proposal) -> str:
    return reverse("programs:proposal-carry-over", args=[proposal.pk])


BULK = reverse("programs:proposal-carry-over-bulk")


@pytest.fixture
def deferred(banjar, pupr_banjar):
    return funded_proposal(
        region=banjar,
        agency=pupr_banjar,
        status=Proposal.Status.DEFERRED,
        number="USL-2027-63.03-0007",
        forward_amount=Decimal(100),
        amount=2_000_000_000,
    )


@pytest.mark.parametrize("persona", ["operator_banjar", "planner", "superuser"])
def test_carry_over_creates_next_years_draft(client, request, persona, deferred):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(url(deferred))
    copy = Proposal.objects.get(carried_over_from=deferred)
    assert response.status_code == 302
    assert response["Location"] == copy.get_absolute_url()
    assert copy.fiscal_year == 2028
    assert copy.number == "USL-2028-63.03-0001"
    assert copy.status == Proposal.Status.DRAFT
    assert (copy.name, copy.region, copy.agency, copy.sub_activity) == (
        deferred.name,
        deferred.region,
        deferred.agency,
        deferred.sub_activity,
    )
    assert copy.forward_amount is None
    assert [(line.scheme.code, line.amount) for line in copy.funding_lines.all()] == [
        ("APBD_KAB", Decimal(2_000_000_000))
    ]
    deferred.refresh_from_db()
    assert deferred.status == Proposal.Status.DEFERRED
    original_entry = AuditEntry.objects.for_object(deferred).get()
    assert original_entry.action == AuditEntry.Action.CARRIED_OVER
    assert copy.number in original_entry.note
    copy_entry = AuditEntry.objects.for_object(copy).get()
    assert copy_entry.action == AuditEntry.Action.CARRIED_OVER
    assert deferred.number in copy_entry.note
    assert copy_entry.user == user


def test_history_is_visible_from_both_sides(client, operator_banjar, deferred):
    client.force_login(operator_banjar)
    client.post(url(deferred))
    copy = Proposal.objects.get(carried_over_from=deferred)
    original_page = client.get(deferred.get_absolute_url()).text
    copy_page = client.get(copy.get_absolute_url()).text
    assert copy.number in original_page
    assert deferred.number in copy_page


def test_carrying_over_twice_is_refused(client, operator_banjar, deferred):
    client.force_login(operator_banjar)
    client.post(url(deferred))
    response = client.post(url(deferred), follow=True)
    assert "sudah dilanjutkan" in response.text
    assert Proposal.objects.filter(carried_over_from=deferred).count() == 1


@pytest.mark.parametrize("status", [Proposal.Status.DRAFT, Proposal.Status.AGREED, Proposal.Status.REJECTED])
def test_only_deferred_proposals_are_carried_over(client, operator_banjar, banjar, status):
    proposal = funded_proposal(region=banjar, status=status)
    client.force_login(operator_banjar)
    response = client.post(url(proposal), follow=True)
    assert "hanya usulan Ditangguhkan" in response.text
    assert not Proposal.objects.filter(carried_over_from=proposal).exists()
    assert not AuditEntry.objects.exists()


def test_another_kabupatens_proposal_is_404(client, operator_tapin, deferred):
    client.force_login(operator_tapin)
    assert client.post(url(deferred)).status_code == 404


@pytest.mark.parametrize("persona", ["verifier", "secretary", "viewer"])
def test_roles_without_the_right_get_403(client, request, persona, deferred):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(deferred)).status_code == 403
    assert client.post(BULK, {"ids": [deferred.pk]}).status_code == 403
    assert not Proposal.objects.filter(carried_over_from=deferred).exists()


def test_get_is_405(client, operator_banjar, deferred):
    client.force_login(operator_banjar)
    assert client.get(url(deferred)).status_code == 405
    assert client.get(BULK).status_code == 405


def test_bulk_carries_the_ticked_proposals(client, planner, banjar, tapin, pupr_tapin):
    first = funded_proposal(region=banjar, status=Proposal.Status.DEFERRED)
    second = funded_proposal(region=tapin, agency=pupr_tapin, status=Proposal.Status.DEFERRED)
    client.force_login(planner)
    response = client.post(BULK, {"ids": [first.pk, second.pk], "filter": "status=deferred"})
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:proposal-list") + "?status=deferred"
    assert set(Proposal.objects.filter(fiscal_year=2028).values_list("carried_over_from", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_bulk_with_the_filter_carries_every_deferred_one_in_scope(client, operator_banjar, banjar, tapin, pupr_tapin):
    mine = [funded_proposal(region=banjar, status=Proposal.Status.DEFERRED) for _ in range(3)]
    funded_proposal(region=banjar, status=Proposal.Status.AGREED)
    theirs = funded_proposal(region=tapin, agency=pupr_tapin, status=Proposal.Status.DEFERRED)
    client.force_login(operator_banjar)
    client.post(BULK, {"all": "1", "filter": "status=deferred"})
    assert set(Proposal.objects.filter(fiscal_year=2028).values_list("carried_over_from", flat=True)) == {
        p.pk for p in mine
    }
    assert not Proposal.objects.filter(carried_over_from=theirs).exists()


def test_bulk_is_all_or_nothing(client, operator_banjar, banjar):
    good = funded_proposal(region=banjar, status=Proposal.Status.DEFERRED)
    bad = funded_proposal(region=banjar, status=Proposal.Status.AGREED)
    client.force_login(operator_banjar)
    response = client.post(BULK, {"ids": [good.pk, bad.pk]}, follow=True)
    assert "Tidak ada usulan yang dilanjutkan" in response.text
    assert not Proposal.objects.filter(fiscal_year=2028).exists()
    assert not AuditEntry.objects.exists()


def test_bulk_with_another_kabupatens_id_is_404(client, operator_banjar, banjar, tapin, pupr_tapin):
    good = funded_proposal(region=banjar, status=Proposal.Status.DEFERRED)
    theirs = funded_proposal(region=tapin, agency=pupr_tapin, status=Proposal.Status.DEFERRED)
    client.force_login(operator_banjar)
    assert client.post(BULK, {"ids": [good.pk, theirs.pk]}).status_code == 404
    assert not Proposal.objects.filter(fiscal_year=2028).exists()


def test_bulk_service_rolls_back_on_refusal(operator_banjar, banjar):
    good = funded_proposal(region=banjar, status=Proposal.Status.DEFERRED)
    with pytest.raises(services.TransitionError):
        services.proposal_carry_over_many(proposals=[good, good], user=operator_banjar)
    assert not Proposal.objects.filter(carried_over_from=good).exists()

"""The policy scopes rows of a province or kabupaten/kota by a list of region ids read with the roles (issue 11: the
join on `code LIKE '63.03.%'` made PostgreSQL scan the proposals), and still shows each person exactly their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Region, StaffRole
from programs.models import Proposal
from rakornis import policy
from tests.factories import StaffRoleFactory, UserFactory, district, funded_proposal, village

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposals(banjar, tapin, pupr_banjar, pupr_tapin):
    return {
        "banjar": funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan Martapura"),
        "tapin": funded_proposal(region=tapin, agency=pupr_tapin, name="Jalan Rantau"),
    }


def test_a_kabupaten_operator_is_scoped_by_its_one_region_id_and_sees_only_its_proposals(
    client, operator_banjar, banjar, proposals
):
    district("63.03.01")  # a kecamatan of Banjar: no row is attached to one, so it is not in the id list
    assert policy.scope_region_ids(operator_banjar) == [banjar.pk]
    client.force_login(operator_banjar)
    page = client.get(reverse("programs:proposal-list"), {"fiscal_year": ""})
    assert page.status_code == 200
    assert proposals["banjar"].number in page.text
    assert proposals["tapin"].number not in page.text


def test_a_province_verifier_is_scoped_by_the_province_and_its_kabupaten_and_sees_both(
    client, verifier, banjar, tapin, proposals
):
    district("63.03.01")
    province = Region.objects.get(code="63")
    assert policy.scope_region_ids(verifier) == sorted([province.pk, banjar.pk, tapin.pk])
    client.force_login(verifier)
    page = client.get(reverse("programs:proposal-list"), {"fiscal_year": ""})
    assert proposals["banjar"].number in page.text and proposals["tapin"].number in page.text


def test_the_ids_are_read_with_the_roles_in_one_query(operator_banjar, proposals):
    with CaptureQueriesContext(connection) as captured:
        assert policy.scope_codes(operator_banjar) == ["63.03"]
        assert policy.scope_region_ids(operator_banjar) == [proposals["banjar"].region_id]
        list(Proposal.objects.for_user(operator_banjar))
    assert len(captured) == 2  # the roles (with their region ids), then the proposals


def test_the_proposal_query_filters_region_ids_not_codes(operator_banjar, banjar, proposals):
    sql = str(Proposal.objects.for_user(operator_banjar).query)
    assert "LIKE" not in sql.upper()
    assert f'"region_id" IN ({banjar.pk})' in sql


def test_roles_in_two_kabupaten_see_both_and_an_inactive_role_gives_nothing(banjar, tapin, pupr_tapin, proposals):
    person = UserFactory(username="operator.dua")
    StaffRoleFactory(user=person, agency=proposals["banjar"].agency, role=StaffRole.Role.OPERATOR)
    StaffRoleFactory(user=person, agency=pupr_tapin, role=StaffRole.Role.VIEWER)
    assert set(Proposal.objects.for_user(person)) == set(proposals.values())
    former = UserFactory(username="operator.lama")
    StaffRoleFactory(user=former, agency=pupr_tapin, role=StaffRole.Role.OPERATOR, is_active=False)
    assert policy.scope_region_ids(former) == []
    assert not Proposal.objects.for_user(former).exists()


def test_someone_without_a_role_or_signed_out_sees_no_proposal_and_an_administrator_all(superuser, proposals):
    nobody = UserFactory(username="tanpa.peran")
    assert not Proposal.objects.for_user(nobody).exists()
    assert policy.scope_region_ids(superuser) is None
    assert set(Proposal.objects.for_user(superuser)) == set(proposals.values())


def test_regions_themselves_are_still_scoped_by_code_at_every_level(operator_banjar, tapin):
    desa = village("63.03.01.2001")
    seen = set(Region.objects.for_user(operator_banjar).values_list("code", flat=True))
    assert {"63.03", "63.03.01", desa.code} <= seen
    assert "63.05" not in seen and "63" not in seen

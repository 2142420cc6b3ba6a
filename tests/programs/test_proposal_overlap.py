"""The overlap rule (programs/overlaps.py): a warning with a link, on the form, the detail page and the list."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programs import overlaps
from programs.models import Proposal
from tests.factories import funded_proposal, proposal_form_data, sub_activity

pytestmark = pytest.mark.django_db

ROAD = "Ruas Martapura - Astambul STA 0+000 s.d. 2+500"


@pytest.fixture
def pokir(banjar, pupr_banjar):
    return funded_proposal(
        region=banjar,
        agency=pupr_banjar,
        sub_activity=sub_activity(),
        name="Peningkatan Jalan Martapura - Astambul",
        location=ROAD,
        origin=Proposal.Origin.POKIR,
        number="USL-2027-63.03-0001",
    )


def test_the_same_road_from_musrenbang_is_saved_with_a_warning(client, operator_banjar, banjar, pupr_banjar, pokir):
    client.force_login(operator_banjar)
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "900000000")], location=ROAD)
    response = client.post(reverse("programs:proposal-create"), data, follow=True)
    created = Proposal.objects.exclude(pk=pokir.pk).get()
    assert created.status == Proposal.Status.DRAFT
    assert "Kemungkinan tumpang tindih dengan USL-2027-63.03-0001" in response.text
    # Both pages name the other, with a link.
    assert f'href="{pokir.get_absolute_url()}"' in response.text
    other = client.get(pokir.get_absolute_url())
    assert "Kemungkinan tumpang tindih" in other.text
    assert f'href="{created.get_absolute_url()}"' in other.text


def test_same_name_elsewhere_or_another_sub_kegiatan_or_year_is_no_overlap(banjar, pupr_banjar, pokir):
    def other(**kwargs):
        values = {"region": banjar, "agency": pupr_banjar, "sub_activity": sub_activity(), "location": "Lain"}
        return funded_proposal(**{**values, **kwargs})

    assert list(overlaps.overlapping(other(name="PENINGKATAN JALAN MARTAPURA - ASTAMBUL"))) == [pokir]
    assert list(overlaps.overlapping(other(name="Lain", location=ROAD.upper()))) == [pokir]
    assert not overlaps.overlapping(other(name=pokir.name, fiscal_year=2028)).exists()
    assert not overlaps.overlapping(other(name=pokir.name, sub_activity=sub_activity("1.03.10.2.01.0055"))).exists()
    assert not overlaps.overlapping(other(name="Drainase", location="")).exists()  # no name, no place in common


def test_a_balai_line_on_the_same_road_overlaps_too(banjar, pokir):
    from tests.factories import AgencyFactory

    balai = AgencyFactory(short_name="BPJN Kalimantan Selatan", level="pusat", region=None)
    apbn = funded_proposal(
        region=banjar, agency=balai, sub_activity=sub_activity(), name="Preservasi", location=ROAD, scheme="APBN"
    )
    assert list(overlaps.overlapping(apbn)) == [pokir]


def test_the_list_filters_and_marks_possible_overlaps(client, verifier, banjar, pupr_banjar, pokir):
    twin = funded_proposal(region=banjar, agency=pupr_banjar, sub_activity=sub_activity(), name=pokir.name)
    alone = funded_proposal(region=banjar, agency=pupr_banjar, sub_activity=sub_activity(), name="Jembatan")
    client.force_login(verifier)
    response = client.get(reverse("programs:proposal-list"), {"overlap": "true"})
    assert {p.pk for p in response.context["proposals"]} == {pokir.pk, twin.pk}
    assert "kemungkinan tumpang tindih" in response.text
    everything = client.get(reverse("programs:proposal-list"))
    flags = {p.pk: p.has_overlap for p in everything.context["proposals"]}
    assert flags == {pokir.pk: True, twin.pk: True, alone.pk: False}


def test_an_overlap_outside_the_users_region_is_named_but_not_linked(client, operator_tapin, tapin, pupr_tapin):
    # Tapin's operator sees only Tapin: an overlap there with a Tapin proposal is linked; nothing of Banjar leaks.
    mine = funded_proposal(region=tapin, agency=pupr_tapin, sub_activity=sub_activity(), name="Jalan A")
    twin = funded_proposal(region=tapin, agency=pupr_tapin, sub_activity=sub_activity(), name="Jalan A")
    client.force_login(operator_tapin)
    response = client.get(mine.get_absolute_url())
    assert f'href="{twin.get_absolute_url()}"' in response.text


def test_overlaps_for_rows_not_saved_yet(banjar, pupr_banjar, pokir):
    sub = sub_activity()
    rows = [
        overlaps.Candidate(
            key=5, fiscal_year=2027, region_id=banjar.pk, sub_activity_id=sub.pk, name="X", location=ROAD
        ),
        overlaps.Candidate(key=6, fiscal_year=2027, region_id=banjar.pk, sub_activity_id=sub.pk, name="Y", location=""),
        overlaps.Candidate(key=7, fiscal_year=2027, region_id=banjar.pk, sub_activity_id=sub.pk, name="y", location=""),
    ]
    found = overlaps.overlaps_for(rows)
    assert [o.number for o in found[5]] == ["USL-2027-63.03-0001"]
    assert [o.label for o in found[6]] == ["baris 7"]
    assert [o.label for o in found[7]] == ["baris 6"]


def test_a_double_post_of_the_form_creates_one_proposal(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    form = client.get(reverse("programs:proposal-create"))
    token = form.context["creation_token"]
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1500000000")], creation_token=token
    )
    first = client.post(reverse("programs:proposal-create"), data)
    second = client.post(reverse("programs:proposal-create"), data, follow=True)
    proposal = Proposal.objects.get()
    assert first["Location"] == proposal.get_absolute_url()
    assert second.redirect_chain[-1][0] == proposal.get_absolute_url()
    assert "sudah disimpan sebagai usulan" in second.text
    assert proposal.funding_lines.get().amount == Decimal(1_500_000_000)


def test_two_forms_opened_separately_create_two_proposals(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    for _ in range(2):
        token = client.get(reverse("programs:proposal-create")).context["creation_token"]
        data = proposal_form_data(
            region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1500000000")], creation_token=token
        )
        client.post(reverse("programs:proposal-create"), data)
    assert Proposal.objects.count() == 2


def test_rows_of_the_file_are_named_in_row_order_and_bounded(banjar):
    sub = sub_activity()
    rows = [
        overlaps.Candidate(
            key=n, fiscal_year=2027, region_id=banjar.pk, sub_activity_id=sub.pk, name="RTLH", location=""
        )
        for n in range(2, 40)
    ]
    found = overlaps.overlaps_for(rows)
    assert [o.label for o in found[2]][:3] == ["baris 3", "baris 4", "baris 5"]
    assert [o.label for o in found[9]][6:9] == ["baris 8", "baris 10", "baris 11"]
    assert all(len(others) <= overlaps.LIMIT for others in found.values())

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from programs.models import Proposal
from rakornis.models import AuditEntry
from tests.factories import district, proposal_form_data, sub_activity

pytestmark = pytest.mark.django_db

URL = reverse("programs:proposal-create")


def test_operator_creates_a_draft_with_two_funding_lines(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000.000"), ("BKP", "250000000")]
    )
    response = client.post(URL, data)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.number == "USL-2027-63.03-0001"
    assert proposal.status == Proposal.Status.DRAFT
    assert proposal.version == 1
    assert proposal.created_by == operator_banjar
    assert {line.scheme.code: line.amount for line in proposal.funding_lines.all()} == {
        "APBD_KAB": Decimal("1500000000"),
        "BKP": Decimal("250000000"),
    }
    entry = AuditEntry.objects.for_object(proposal).get()
    assert entry.action == AuditEntry.Action.CREATED
    assert entry.user == operator_banjar
    assert entry.changes["status"] == [None, "draft"]
    assert entry.changes["funding"] == [None, {"APBD_KAB": "1500000000", "BKP": "250000000"}]


def test_numbers_follow_on_per_year_and_kabupaten(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    for _ in range(2):
        client.post(URL, proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")]))
    client.post(
        URL, proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")], fiscal_year="2028")
    )
    assert sorted(Proposal.objects.values_list("number", flat=True)) == [
        "USL-2027-63.03-0001",
        "USL-2027-63.03-0002",
        "USL-2028-63.03-0001",
    ]


def test_form_page_offers_only_the_operators_kabupaten(client, operator_banjar, pupr_banjar, pupr_tapin):
    district("63.05.01", "Binuang")
    client.force_login(operator_banjar)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Dinas PUPR Kab. Banjar" in response.text
    assert "Tapin" not in response.text
    assert "Binuang" not in response.text
    assert "Dilaksanakan Kabupaten/Kota (kode .2.)" in response.text


def test_posted_region_and_status_of_another_kabupaten_are_ignored(client, operator_banjar, banjar, tapin, pupr_banjar):
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")], status="verified", number="X-1", version="9"
    )
    data["region"] = str(tapin.pk)
    client.post(URL, data)
    proposal = Proposal.objects.get()
    assert proposal.region == banjar
    assert proposal.status == Proposal.Status.DRAFT
    assert proposal.number == "USL-2027-63.03-0001"
    assert proposal.version == 1


def test_agency_of_another_kabupaten_is_refused(client, operator_banjar, banjar, pupr_tapin):
    client.force_login(operator_banjar)
    response = client.post(URL, proposal_form_data(region=banjar, agency=pupr_tapin, funding=[("APBD_KAB", "100")]))
    assert response.status_code == 200
    assert "Masukkan pilihan yang valid" in response.text
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "funding", "message"),
    [
        ({"volume": "0"}, [("APBD_KAB", "100")], "Volume harus lebih dari 0."),
        # The messages of the number parser, the same as the import's (rakornis/numbers.py).
        ({}, [("APBD_KAB", "-5")], "Pagu tidak boleh negatif (Rp -5)."),
        ({}, [("APBD_KAB", "1000,50")], "Pagu harus dalam rupiah bulat tanpa sen (Rp 1.000,50)."),
        ({}, [("APBD_KAB", "1500.5")], "Pagu harus dalam rupiah bulat tanpa sen (Rp 1.500,5)."),
        ({"volume": "1,8,5"}, [("APBD_KAB", "100")], "&#x27;1,8,5&#x27; bukan angka yang dapat dibaca."),
        ({"volume": "2,555"}, [("APBD_KAB", "100")], "Volume paling banyak 2 angka di belakang koma (2,555)."),
        (
            {"latitude": "-3,4128", "longitude": "1.145,903"},
            [("APBD_KAB", "100")],
            "&#x27;1.145,903&#x27; bukan angka yang dapat dibaca.",
        ),
        ({}, [("APBD_KAB", "100"), ("APBD_KAB", "200")], "sudah dipakai di baris lain"),
        ({}, [("APBD_KAB", "0")], "Isi minimal satu sumber dana dengan pagu lebih dari Rp 0."),
        (
            {"out_of_catalogue": "on", "sub_activity": ""},
            [("APBD_KAB", "100")],
            "Jelaskan mengapa usulan ini di luar nomenklatur",
        ),
        ({"sub_activity": ""}, [("APBD_KAB", "100")], "Pilih sub kegiatan, atau centang"),
        ({"name": ""}, [("APBD_KAB", "100")], "Nama usulan wajib diisi."),
        ({"latitude": "52.5", "longitude": "13.4"}, [("APBD_KAB", "100")], "di luar wilayah Indonesia"),
    ],
)
def test_bad_input_is_refused_in_indonesian_and_nothing_saved(
    client, operator_banjar, banjar, pupr_banjar, overrides, funding, message
):
    client.force_login(operator_banjar)
    response = client.post(URL, proposal_form_data(region=banjar, agency=pupr_banjar, funding=funding, **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert not Proposal.objects.exists()
    assert not AuditEntry.objects.exists()


def test_decimal_comma_volume_and_coordinates_are_stored_as_typed(client, operator_banjar, banjar, pupr_banjar):
    """`1,8` was saved as 18 by the browser's number input; `-3,4128` failed with Django's "max digits"."""
    client.force_login(operator_banjar)
    page = client.get(URL).text
    for name in ("volume", "forward_volume", "longitude"):
        assert re.search(rf'<input type="text" name="{name}"[^>]*inputmode="decimal"', page), name
    for name in ("latitude", "forward_amount"):  # a minus sign; whole rupiah
        assert re.search(rf'<input type="text" name="{name}"[^>]*inputmode="(text|numeric)"', page), name
    data = proposal_form_data(
        region=banjar,
        agency=pupr_banjar,
        funding=[("APBD_KAB", "Rp 1.500.000.000")],
        volume="1,8",
        latitude="-3,4128",
        longitude="114.591",
        forward_volume="2.500",
        forward_amount="1.250.000.000",
    )
    assert client.post(URL, data).status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.volume, proposal.latitude, proposal.longitude) == (
        Decimal("1.8"),
        Decimal("-3.4128"),
        Decimal("114.591"),
    )
    assert (proposal.forward_volume, proposal.forward_amount) == (Decimal(2500), Decimal(1_250_000_000))
    # The edit form shows them back the Indonesian way.
    edit = client.get(reverse("programs:proposal-update", args=[proposal.pk])).text
    assert 'value="1,8"' in edit
    assert 'value="-3,4128"' in edit


def test_out_of_catalogue_with_explanation_is_saved_without_a_code(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar,
        agency=pupr_banjar,
        funding=[("APBD_KAB", "100")],
        out_of_catalogue="on",
        out_of_catalogue_reason="Jembatan gantung belum ada di nomenklatur 1.03",
    )
    client.post(URL, data)
    proposal = Proposal.objects.get()
    assert proposal.out_of_catalogue
    assert proposal.sub_activity is None


def test_level_and_funding_mismatch_is_a_warning_not_an_error(client, operator_banjar, banjar, pupr_banjar):
    provincial = sub_activity("1.03.10.1.01.0001", "Pembangunan Jalan Provinsi")
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")], sub_activity=str(provincial.pk)
    )
    response = client.post(URL, data, follow=True)
    assert Proposal.objects.count() == 1
    assert "Sub kegiatan berkode .1. dilaksanakan oleh Provinsi" in response.text


def test_verifier_may_not_create(client, verifier):
    client.force_login(verifier)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {}).status_code == 403


def test_wrong_method_is_405(client, operator_banjar):
    client.force_login(operator_banjar)
    assert client.put(URL).status_code == 405


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_superuser_chooses_any_kabupaten(client, superuser, tapin, pupr_tapin):
    client.force_login(superuser)
    client.post(URL, proposal_form_data(region=tapin, agency=pupr_tapin, funding=[("APBD_KAB", "100")]))
    assert Proposal.objects.get().number == "USL-2027-63.05-0001"

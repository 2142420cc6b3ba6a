import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import CheckConstraint
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.models import Proposal, ProposalNumberCounter
from rakornis.models import AuditEntry
from tests.factories import ProposalFactory, district, proposal_form_data, sub_activity

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
    # The sub kegiatan is a code box with suggestions (tests/programs/test_nomenclature_autocomplete.py).
    assert 'data-autocomplete-url="/usulan/sub-kegiatan/"' in response.text


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


# Every check constraint of a proposal, and form values that break it. The form refuses each with a message of its
# own fields, so it does not run the constraints again (`ProposalForm.validate_constraints`); the database still
# checks them on save. A new constraint fails `test_each_check_constraint_has_a_form_rule` until it is added here.
BREAKS = {
    "programs_proposal_volume_positive": {"volume": "0"},
    "programs_proposal_forward_amount_not_negative": {"forward_amount": "-1"},
    "programs_proposal_forward_amount_at_most_max": {"forward_amount": "1" + "0" * 18},
    "programs_proposal_text_fits_a_cell": {"notes": "x" * 32_768},
    "programs_proposal_forward_volume_not_negative": {"forward_volume": "-1"},
    "programs_proposal_fiscal_year_range": {"fiscal_year": "1999"},
    "programs_proposal_sub_activity_or_explained": {"sub_activity": ""},
    "programs_proposal_coordinates_in_indonesia": {"latitude": "-3,3", "longitude": "150"},
}
# Not a field of the form: set only by the carry-over service.
NOT_ON_THE_FORM = {"programs_proposal_not_carried_from_itself"}


def test_each_check_constraint_has_a_form_rule():
    names = {c.name for c in Proposal._meta.constraints if isinstance(c, CheckConstraint)}
    assert names == set(BREAKS) | NOT_ON_THE_FORM


@pytest.mark.parametrize("constraint", sorted(BREAKS))
def test_the_form_refuses_what_each_constraint_refuses(client, operator_banjar, banjar, pupr_banjar, constraint):
    client.force_login(operator_banjar)
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")], **BREAKS[constraint])
    response = client.post(URL, data)
    assert response.status_code == 200
    assert any(response.context["form"].errors.values())
    assert not Proposal.objects.exists()


def test_create_post_with_two_funding_lines_takes_at_most_15_queries(client, operator_banjar, banjar, pupr_banjar):
    """Savepoints are left out: they exist only because the test runs inside a transaction."""
    client.force_login(operator_banjar)
    funding = [("APBD_KAB", "1.500.000.000"), ("BKP", "250000000")]
    client.post(URL, proposal_form_data(region=banjar, agency=pupr_banjar, funding=funding, creation_token="a" * 24))
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=funding, creation_token="b" * 24)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(URL, data)
    assert response.status_code == 302
    statements = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(statements) <= 15, "\n".join(statements)
    assert not any("LENGTH" in sql for sql in statements)  # the number comes from the counter, not a scan
    assert Proposal.objects.get(creation_token="b" * 24).number == "USL-2027-63.03-0002"


def test_a_second_post_of_the_same_form_shows_the_first_proposal(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    data = proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")], creation_token="c" * 24)
    first = client.post(URL, data)
    second = client.post(URL, data, follow=True)
    proposal = Proposal.objects.get()
    assert first["Location"] == proposal.get_absolute_url()
    assert second.redirect_chain[-1][0] == proposal.get_absolute_url()
    assert f"Formulir ini sudah disimpan sebagai usulan {proposal.number}" in second.text
    # The refused second insert took no number: the next proposal follows on.
    data["creation_token"] = "d" * 24
    client.post(URL, data)
    assert Proposal.objects.get(creation_token="d" * 24).number == "USL-2027-63.03-0002"


def test_numbers_follow_proposals_made_before_the_counter(client, operator_banjar, banjar, pupr_banjar):
    ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-9999")
    ProposalFactory(region=banjar, agency=pupr_banjar, number="USL-2027-63.03-10000")
    client.force_login(operator_banjar)
    client.post(URL, proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")]))
    client.post(URL, proposal_form_data(region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "100")]))
    assert sorted(Proposal.objects.filter(created_by=operator_banjar).values_list("number", flat=True)) == [
        "USL-2027-63.03-10001",
        "USL-2027-63.03-10002",
    ]
    assert ProposalNumberCounter.objects.get(fiscal_year=2027, region=banjar).last_number == 10002


def test_the_stored_total_is_the_sum_of_the_lines(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    funding = [("APBD_KAB", "1.500.000.000"), ("BKP", "250000000")]
    client.post(URL, proposal_form_data(region=banjar, agency=pupr_banjar, funding=funding))
    assert Proposal.objects.get().total_amount == Decimal(1_750_000_000)

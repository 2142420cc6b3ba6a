"""A point outside its kabupaten/kota, by the shipped boundaries (rakornis/extents.py): the proposal form and the
import save it (warn, never refuse), and the proposal page, the edit form, the import preview and the list's flag say
where the point lies instead ("berada di Kabupaten Tapin, bukan di Kabupaten Banjar")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import ExcelJob, Proposal
from tests.factories import FundingSchemeFactory, funded_proposal, proposal_form_data, sub_activity, usulan_xlsx

pytestmark = pytest.mark.django_db

TAPIN_SENTENCE = "berada di Kabupaten Tapin, bukan di Kabupaten Banjar"
SUB = "1.03.10.2.01.0053"


def test_a_banjar_proposal_with_a_point_in_rantau_is_saved_and_its_page_names_tapin(
    client, operator_banjar, banjar, pupr_banjar
):
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000.000")], latitude="-2,94", longitude="115,16"
    )
    response = client.post(reverse("programs:proposal-create"), data)
    assert response.status_code == 302  # warned, never refused
    proposal = Proposal.objects.get()
    assert (proposal.latitude, proposal.longitude) == (Decimal("-2.94"), Decimal("115.16"))
    page = client.get(proposal.get_absolute_url()).text
    assert 'id="coordinates-warning"' in page
    assert f"Titik koordinat (-2,94; 115,16) {TAPIN_SENTENCE}." in page
    form = client.get(reverse("programs:proposal-update", args=[proposal.pk])).text
    assert TAPIN_SENTENCE in form
    # The edit form saves it again, still warned.
    data["name"] = "Peningkatan Jalan Rantau"
    data["version"] = str(proposal.version)
    assert client.post(reverse("programs:proposal-update", args=[proposal.pk]), data).status_code == 302
    assert Proposal.objects.get().name == "Peningkatan Jalan Rantau"


def test_a_point_in_martapura_is_not_warned_about(client, operator_banjar, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000")], latitude="-3,413", longitude="114,851"
    )
    assert client.post(reverse("programs:proposal-create"), data).status_code == 302
    page = client.get(Proposal.objects.get().get_absolute_url()).text
    assert 'id="coordinates-warning"' not in page


def test_another_kabupatens_operator_sees_neither_the_proposal_nor_its_warning(
    client, operator_banjar, operator_tapin, banjar, pupr_banjar
):
    client.force_login(operator_banjar)
    data = proposal_form_data(
        region=banjar, agency=pupr_banjar, funding=[("APBD_KAB", "1.500.000.000")], latitude="-2,94", longitude="115,16"
    )
    client.post(reverse("programs:proposal-create"), data)
    proposal = Proposal.objects.get()
    client.force_login(operator_tapin)
    response = client.get(proposal.get_absolute_url())
    assert response.status_code == 404
    assert TAPIN_SENTENCE not in response.text


def _preview(client, records: list[dict]):
    content = usulan_xlsx(records)
    return client.post(
        reverse("programs:proposal-import"), {"file": SimpleUploadedFile("usulan.xlsx", content)}, follow=True
    )


def _record(**overrides) -> dict:
    return {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": SUB,
        "Nama Usulan": "Peningkatan Jalan Martapura - Astambul",
        "Lokasi": "Ruas Martapura - Astambul",
        "Volume": 2.5,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": 1_500_000_000,
        **overrides,
    }


def test_the_import_preview_warns_about_a_point_in_tapin_and_the_row_is_saved(client, operator_banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB", order=1)
    sub_activity(SUB, "Peningkatan Jalan")
    client.force_login(operator_banjar)
    rows = [
        _record(Latitude="-3,413", Longitude="114,851"),
        _record(**{"Nama Usulan": "Jalan Rantau", "Latitude": "-2,94", "Longitude": "115,16"}),
        _record(**{"Nama Usulan": "Jalan Jakarta", "Latitude": "-6,2", "Longitude": "106,8"}),
    ]
    response = _preview(client, rows)
    assert response.status_code == 200
    # Jakarta is refused as before: outside the province is an error, and that row gets no second message.
    assert [(e["row"], e["column"]) for e in response.context["errors_shown"]] == [(4, "Latitude"), (4, "Longitude")]
    warnings = response.context["preview"]["warnings"]
    assert [w for w in warnings if "Titik koordinat" in w] == [
        f"Baris 3, Latitude: Titik koordinat (-2,94; 115,16) {TAPIN_SENTENCE}. "
        "Periksa lintang dan bujurnya: mungkin tersalin dari lokasi lain."
    ]
    assert TAPIN_SENTENCE in response.text
    assert 'id="import-confirm"' not in response.text
    # Without the Jakarta row the file is saved, the Rantau point with it.
    response = _preview(client, rows[:2])
    assert response.context["errors_shown"] == []
    assert any(TAPIN_SENTENCE in w for w in response.context["preview"]["warnings"])
    job = ExcelJob.objects.filter(kind=ExcelJob.Kind.PROPOSAL_PREVIEW).latest("pk")
    assert client.post(reverse("programs:proposal-import-confirm"), {"job": job.pk}).status_code == 302
    saved = Proposal.objects.get(name="Jalan Rantau")
    assert (saved.latitude, saved.longitude) == (Decimal("-2.94"), Decimal("115.16"))
    assert Proposal.objects.count() == 2


def test_the_list_flags_the_rows_whose_point_lies_outside_and_says_where(
    client, operator_banjar, operator_tapin, banjar, pupr_banjar
):
    rantau = funded_proposal(
        region=banjar, agency=pupr_banjar, name="Jalan Rantau", latitude=Decimal("-2.94"), longitude=Decimal("115.16")
    )
    funded_proposal(
        region=banjar,
        agency=pupr_banjar,
        name="Jalan Martapura",
        latitude=Decimal("-3.413"),
        longitude=Decimal("114.851"),
    )
    funded_proposal(region=banjar, agency=pupr_banjar, name="Jalan tanpa titik")
    client.force_login(operator_banjar)
    page = client.get(reverse("programs:proposal-list")).text
    assert page.count('class="badge text-bg-danger text-decoration-none outside-flag"') == 1
    assert f'href="{rantau.get_absolute_url()}#coordinates-warning" title="Titik koordinat (-2,94; 115,16) ' in page
    assert TAPIN_SENTENCE in page
    # Tapin's operator sees none of Banjar's rows, so no flag and no sentence.
    client.force_login(operator_tapin)
    page = client.get(reverse("programs:proposal-list")).text
    assert "outside-flag" not in page and TAPIN_SENTENCE not in page

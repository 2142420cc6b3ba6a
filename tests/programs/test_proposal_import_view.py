"""The import page: upload (stored, its check queued) -> the check's page, then the preview (every error by row and
column) -> "Simpan" -> all or nothing. The tasks run at once here (ImmediateBackend), so following the upload's
redirect lands on the finished preview."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.jobs import upload_exists
from programs.models import ExcelJob, Proposal
from tests.factories import FundingSchemeFactory, funded_proposal, sub_activity, usulan_xlsx

pytestmark = pytest.mark.django_db

URL = reverse("programs:proposal-import")
CONFIRM = reverse("programs:proposal-import-confirm")
SUB = "1.03.10.2.01.0053"


@pytest.fixture(autouse=True)
def world(banjar, tapin, pupr_banjar, pupr_tapin):
    FundingSchemeFactory(code="APBD_KAB", order=1)
    sub_activity(SUB, "Peningkatan Jalan")


def record(**overrides) -> dict:
    values = {
        "Tahun Anggaran": 2027,
        "Kode Kabupaten/Kota": "63.03",
        "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
        "Kode Sub Kegiatan": SUB,
        "Nama Usulan": "Peningkatan Jalan Martapura - Astambul",
        "Lokasi": "Ruas Martapura - Astambul",
        "Volume": 2.5,
        "Satuan": "km",
        "Pagu APBD Kab/Kota": 1_500_000_000,
    }
    values.update(overrides)
    return values


def upload(client, content: bytes, name: str = "usulan.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, follow=True)


def preview_job() -> ExcelJob:
    return ExcelJob.objects.filter(kind=ExcelJob.Kind.PROPOSAL_PREVIEW).latest("pk")


def error_places(response) -> list[tuple[int | None, str]]:
    return [(issue["row"], issue["column"]) for issue in response.context["errors_shown"]]


def test_form_is_shown_to_an_operator(client, operator_banjar):
    client.force_login(operator_banjar)
    response = client.get(URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert reverse("programs:proposal-template").encode() in response.content


def test_errors_are_listed_by_row_and_column_and_nothing_is_saved(client, operator_banjar):
    client.force_login(operator_banjar)
    content = usulan_xlsx(
        [
            record(),
            record(**{"Nama Usulan": "Jembatan", "Kode Sub Kegiatan": "1.03.10.2.01.9999"}),
            record(**{"Nama Usulan": "Drainase", "Pagu APBD Kab/Kota": -5, "Volume": None}),
        ]
    )
    response = upload(client, content)
    assert response.status_code == 200
    errors = error_places(response)
    assert (3, "Kode Sub Kegiatan") in errors
    assert (4, "Volume") in errors
    assert (4, "Pagu APBD Kab/Kota") in errors
    page = response.content.decode()
    assert 'id="import-errors"' in page
    assert "1.03.10.2.01.9999" in page
    assert 'id="import-confirm"' not in page  # nothing to confirm
    assert not upload_exists(preview_job().params["token"])  # nor anything kept to confirm
    assert not Proposal.objects.exists()


def test_a_file_with_an_error_in_every_row_lists_the_first_200_and_counts_the_rest(client, operator_banjar):
    """A thousand rows with the volume typed as words (and ten with an unknown sub kegiatan too): the page stays
    small, says how many errors there are and in which columns, and what to do."""
    client.force_login(operator_banjar)
    rows = [record(**{"Nama Usulan": f"Jalan ruas {n}", "Volume": "dua koma lima"}) for n in range(1000)]
    for row in rows[:10]:
        row["Kode Sub Kegiatan"] = "1.03.10.2.01.9999"
    response = upload(client, usulan_xlsx(rows))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ada 1.010 kesalahan di 1.000 baris" in page
    table = page[page.index('id="import-errors"') : page.index("</table>", page.index('id="import-errors"'))]
    assert table.count('<td class="text-end">') == 200
    assert "(200 pertama dari 1.010)" in page
    assert "… dan 810 kesalahan lain" in page
    columns = page[page.index('id="import-error-columns"') :]
    assert "<li>Volume: 1.000 kesalahan</li>" in columns
    assert "<li>Kode Sub Kegiatan: 10 kesalahan</li>" in columns
    assert columns.index("Volume: 1.000") < columns.index("Kode Sub Kegiatan: 10")  # most first
    assert not Proposal.objects.exists()


def test_a_few_errors_are_all_listed_without_a_summary(client, operator_banjar):
    client.force_login(operator_banjar)
    response = upload(client, usulan_xlsx([record(**{"Volume": "dua"}), record(**{"Nama Usulan": "Jembatan"})]))
    page = response.content.decode()
    assert "Ada 1 kesalahan di 1 baris" in page
    assert 'id="import-more-errors"' not in page
    assert 'id="import-error-columns"' not in page
    assert "pertama dari" not in page


def test_valid_upload_previews_then_saves_on_confirmation(client, operator_banjar):
    client.force_login(operator_banjar)
    content = usulan_xlsx([record(), record(**{"Nama Usulan": "Jembatan Sungai Tabuk", "Lokasi": "Sungai Tabuk"})])
    response = upload(client, content)
    job = preview_job()
    assert response.redirect_chain == [(job.get_absolute_url(), 302)]  # the preview is the check's own page
    assert response.status_code == 200
    assert response.context["errors_shown"] == []
    assert 'id="import-confirm"' in response.content.decode()
    assert [row["action"] for row in response.context["preview"]["rows"]] == ["create", "create"]
    assert not Proposal.objects.exists()  # the preview saves nothing
    token = job.params["token"]
    assert upload_exists(token)

    response = client.post(CONFIRM, {"job": job.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:proposal-list")
    assert sorted(Proposal.objects.values_list("name", flat=True)) == [
        "Jembatan Sungai Tabuk",
        "Peningkatan Jalan Martapura - Astambul",
    ]
    assert set(Proposal.objects.values_list("status", flat=True)) == {Proposal.Status.DRAFT}
    assert not upload_exists(token)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("2 usulan baru" in m for m in messages)


def test_confirm_parses_again_and_saves_nothing_when_the_data_changed(client, operator_banjar, banjar, pupr_banjar):
    draft = funded_proposal(region=banjar, agency=pupr_banjar, fiscal_year=2027, sub_activity=sub_activity(SUB))
    client.force_login(operator_banjar)
    changed = record(**{"ID Usulan": draft.number, "Nama Usulan": "Drainase Pasar"})
    upload(client, usulan_xlsx([record(), changed]))
    # Meanwhile the proposal the file changes is submitted: it can no longer be changed by the import.
    Proposal.objects.filter(pk=draft.pk).update(status=Proposal.Status.SUBMITTED)
    response = client.post(CONFIRM, {"job": preview_job().pk})
    assert response.status_code == 200
    assert error_places(response) == [(3, "ID Usulan")]
    assert Proposal.objects.count() == 1


def test_preview_lists_possible_overlaps_and_saves_them(client, operator_banjar, banjar, pupr_banjar):
    saved = funded_proposal(
        region=banjar,
        agency=pupr_banjar,
        fiscal_year=2027,
        name="Drainase Pasar",
        location="Ruas Martapura - Astambul",
        sub_activity=sub_activity(SUB),
    )
    client.force_login(operator_banjar)
    response = upload(client, usulan_xlsx([record(), record(**{"Nama Usulan": "Drainase Pasar", "Lokasi": ""})]))
    assert response.status_code == 200
    assert not response.context["errors_shown"]
    page = response.text
    assert "kemungkinan tumpang tindih" in page
    # Each row that may overlap links the other proposal (or names the other row of the file).
    assert f'href="{saved.get_absolute_url()}"' in page
    assert page.count('class="overlap-link"') == 2  # row 2 (same location) and row 3 (same name): the saved one
    response = client.post(CONFIRM, {"job": preview_job().pk})
    assert response.status_code == 302
    assert Proposal.objects.filter(name="Drainase Pasar").count() == 2


def test_preview_shows_the_rows_that_do_something_first(client, operator_banjar, banjar, pupr_banjar):
    """A planner edits a row or two of a big export: the preview shows those, not the first unchanged rows."""
    saved = [
        funded_proposal(region=banjar, agency=pupr_banjar, name=f"Jalan {n}", location=f"Ruas {n}") for n in range(3)
    ]
    client.force_login(operator_banjar)
    unchanged = [
        record(
            **{
                "ID Usulan": proposal.number,
                "Nama Usulan": proposal.name,
                "Lokasi": proposal.location,
                "Kode Sub Kegiatan": proposal.sub_activity.code,
                "Volume": proposal.volume,
                "Satuan": proposal.unit,
                "Pagu APBD Kab/Kota": proposal.funding_lines.get().amount,
            }
        )
        for proposal in saved
    ]
    response = upload(client, usulan_xlsx([*unchanged, record(**{"Nama Usulan": "Jalan Baru", "Lokasi": "Ruas Baru"})]))
    assert not response.context["errors_shown"]
    actions = [row["action"] for row in response.context["preview"]["rows"]]
    assert actions == ["create", "unchanged", "unchanged", "unchanged"]
    body = response.text[response.text.index('id="import-rows"') :]
    assert body.index("Jalan Baru") < body.index(saved[0].number)


def test_operator_cannot_import_a_row_of_another_kabupaten(client, operator_tapin):
    client.force_login(operator_tapin)
    response = upload(client, usulan_xlsx([record()]))
    assert response.status_code == 200
    assert (2, "Kode Kabupaten/Kota") in error_places(response)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("usulan.csv", b"Nama Usulan;Volume\nJalan;1\n", "CSV"),
        ("usulan.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
        ("usulan.xlsx", b"Nama Usulan;Volume\nJalan;1\n", "bukan Excel .xlsx"),
        ("usulan.xlsx", b"PK\x03\x04" + b"\0" * 50, "rusak"),
    ],
    ids=["csv", "xls", "renamed", "corrupt"],
)
def test_a_bad_file_gets_a_message_not_an_error(client, operator_banjar, name, content, message):
    client.force_login(operator_banjar)
    response = upload(client, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Proposal.objects.exists()
    assert not ExcelJob.objects.exists()  # refused by the cheap checks of the upload request: nothing queued


def test_an_oversized_upload_is_refused_before_it_is_read(client, operator_banjar, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100 * 1024
    client.force_login(operator_banjar)
    response = upload(client, b"PK\x03\x04" + b"\0" * 300 * 1024)
    assert response.status_code == 200
    assert "Berkas terlalu besar" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_file_just_over_the_limit_is_refused_by_the_checker(client, operator_banjar, settings):
    content = usulan_xlsx([record()])
    settings.IMPORT_MAX_UPLOAD_BYTES = len(content) - 1
    client.force_login(operator_banjar)
    response = upload(client, content)
    assert response.status_code == 200
    assert "Berkas terlalu besar" in response.content.decode()


def test_confirm_without_a_preview_saves_nothing(client, operator_banjar):
    client.force_login(operator_banjar)
    response = client.post(CONFIRM, {"job": "abc"}, follow=True)
    assert "Pratinjau impor sudah tidak berlaku" in response.content.decode()
    assert not Proposal.objects.exists()


def test_another_operators_preview_cannot_be_confirmed_or_seen(client, operator_banjar, operator_tapin):
    client.force_login(operator_banjar)
    upload(client, usulan_xlsx([record()]))
    job = preview_job()
    client.force_login(operator_tapin)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.post(CONFIRM, {"job": job.pk}).status_code == 404
    assert not Proposal.objects.exists()
    assert upload_exists(job.params["token"])  # still the owner's to confirm


def test_a_preview_is_confirmed_once(client, operator_banjar):
    """A double click on Simpan, or the back button and Simpan again: the file is imported once."""
    client.force_login(operator_banjar)
    upload(client, usulan_xlsx([record()]))
    job = preview_job()
    assert client.post(CONFIRM, {"job": job.pk})["Location"] == reverse("programs:proposal-list")
    again = client.post(CONFIRM, {"job": job.pk}, follow=True)
    assert "Pratinjau impor sudah tidak berlaku" in again.content.decode()
    assert Proposal.objects.count() == 1
    assert 'id="import-confirm"' not in client.get(job.get_absolute_url()).content.decode()


def test_the_upload_request_only_stores_the_file_and_queues_its_check(client, operator_banjar, settings):
    """With a worker that has not run yet, the upload answers at once with the check's progress page: no parse in
    the web request, the file kept in storage for the worker."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    client.force_login(operator_banjar)
    response = upload(client, usulan_xlsx([record()]))
    job = preview_job()
    assert response.redirect_chain == [(job.get_absolute_url(), 302)]
    assert job.status == ExcelJob.Status.QUEUED
    assert (job.user, job.params["filename"]) == (operator_banjar, "usulan.xlsx")
    assert upload_exists(job.params["token"])
    page = response.content.decode()
    assert 'id="job-preview-hint"' in page and 'data-reload-when-done="true"' in page
    assert 'id="import-confirm"' not in page
    assert not Proposal.objects.exists()


def test_a_shared_strings_bomb_is_refused_on_the_preview_and_nothing_is_kept(client, operator_banjar):
    from tests.programs.test_xlsx_import_bounds import shared_strings_bomb

    client.force_login(operator_banjar)
    response = upload(client, shared_strings_bomb())
    assert response.status_code == 200
    assert "lebih dari 200.000 teks berbeda" in response.content.decode()
    assert 'id="import-confirm"' not in response.content.decode()
    assert not upload_exists(preview_job().params["token"])
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("persona", ["viewer", "verifier"])
def test_import_refused_without_the_operator_role(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert upload(client, usulan_xlsx([record()])).status_code == 403
    assert client.post(CONFIRM, {"job": "1"}).status_code == 403


def test_get_on_confirm_is_refused(client, operator_banjar):
    client.force_login(operator_banjar)
    assert client.get(CONFIRM).status_code == 405


def test_upload_needs_the_csrf_token(operator_banjar):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(operator_banjar)
    response = client.post(URL, {"file": SimpleUploadedFile("usulan.xlsx", usulan_xlsx([record()]))})
    assert response.status_code == 403

"""Big exports and imports run as background jobs (synchronously here: the immediate tasks backend), with a
progress page, a status JSON and a download for the job's owner only."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Agency
from programs import jobs
from programs.models import ExcelJob, Proposal
from tests.factories import FundingSchemeFactory, funded_proposal, sub_activity, usulan_xlsx

pytestmark = pytest.mark.django_db

SUB = "1.03.10.2.01.0053"


@pytest.fixture(autouse=True)
def low_threshold(settings):
    settings.EXCEL_BACKGROUND_THRESHOLD = 2


@pytest.fixture
def proposals(banjar, tapin, pupr_banjar, pupr_tapin):
    FundingSchemeFactory(code="APBD_KAB")
    banjar_rows = [funded_proposal(region=banjar, agency=pupr_banjar, name=f"Jalan {n}") for n in range(4)]
    funded_proposal(region=tapin, agency=pupr_tapin, name="Jalan Binuang")
    return banjar_rows


def exported_numbers(content: bytes) -> list[str]:
    rows = list(load_workbook(io.BytesIO(content), read_only=True).worksheets[0].iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == "No")
    column = rows[header_index].index("ID Usulan")
    return [row[column] for row in rows[header_index + 1 :] if row[column]]


def test_big_export_is_queued_and_offered_when_done(client, operator_banjar, proposals):
    client.force_login(operator_banjar)
    response = client.get(reverse("programs:proposal-export"), {"q": "jalan"})
    job = ExcelJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:job-detail", args=[job.pk])
    # The job keeps the year the list showed (the planning year), not whatever year it is when the worker runs.
    query = {"query": "q=jalan&fiscal_year=2027"}
    assert (job.user, job.kind, job.params) == (operator_banjar, ExcelJob.Kind.PROPOSAL_EXPORT, query)

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'id="job-bar"' in page.content.decode()
    assert reverse("programs:job-status", args=[job.pk]) in page.content.decode()

    status = client.get(reverse("programs:job-status", args=[job.pk])).json()
    download = reverse("programs:job-download", args=[job.pk])
    assert status == {
        "status": "done",
        "status_display": "Selesai",
        "rows_done": 4,
        "rows_total": 4,
        "percent": 100,
        "summary": "4 usulan diekspor.",
        "error": "",
        "download_url": download,
    }
    file = client.get(download)
    assert file.status_code == 200
    assert "Usulan_" in file["Content-Disposition"]
    content = b"".join(file.streaming_content)
    # The list's filter and the operator's scope hold in the background too: no Tapin row.
    assert sorted(exported_numbers(content)) == sorted(p.number for p in proposals)


def test_small_export_is_returned_at_once(client, operator_banjar, proposals, settings):
    settings.EXCEL_BACKGROUND_THRESHOLD = 100
    client.force_login(operator_banjar)
    response = client.get(reverse("programs:proposal-export"))
    assert response.status_code == 200
    assert not ExcelJob.objects.exists()


def test_progress_is_recorded_every_so_many_rows(operator_banjar, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 2)
    job = ExcelJob.objects.create(kind=ExcelJob.Kind.PROPOSAL_EXPORT, user=operator_banjar, rows_total=5)
    seen = [ExcelJob.objects.get(pk=job.pk).rows_done for _ in jobs._counted(range(5), job.pk)]
    assert seen == [0, 0, 2, 2, 4]  # one cheap UPDATE per PROGRESS_EVERY rows, not one per row


def test_another_users_job_is_a_404(client, operator_banjar, operator_tapin, proposals):
    client.force_login(operator_banjar)
    client.get(reverse("programs:proposal-export"))
    job = ExcelJob.objects.get()
    client.force_login(operator_tapin)
    for name in ("programs:job-detail", "programs:job-status", "programs:job-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_a_failure_is_recorded_on_the_job(client, operator_banjar, proposals, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(jobs, "write_workbook", broken)
    client.force_login(operator_banjar)
    response = client.get(reverse("programs:proposal-export"))
    job = ExcelJob.objects.get()
    assert response["Location"] == reverse("programs:job-detail", args=[job.pk])
    status = client.get(reverse("programs:job-status", args=[job.pk])).json()
    assert status["status"] == "failed"
    assert "kesalahan tak terduga" in status["error"]
    assert status["download_url"] is None
    assert client.get(reverse("programs:job-download", args=[job.pk])).status_code == 404
    assert "kesalahan tak terduga" in client.get(response["Location"]).content.decode()


def test_big_renja_export_is_queued(client, planner, banjar, pupr_kalsel):
    from tests.factories import WorkPlanFactory, work_plan_item

    plan = WorkPlanFactory(agency=pupr_kalsel)
    for code in ("1.03.10.1.01.0010", "1.03.10.1.01.0020", "1.03.10.1.01.0030"):
        work_plan_item(plan, code=code, region=banjar, funding={"APBD_PROV": 1_000_000})
    client.force_login(planner)
    response = client.get(reverse("workplans:workplan-export", args=[plan.pk]))
    job = ExcelJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.kind == ExcelJob.Kind.WORKPLAN_EXPORT
    state = client.get(reverse("programs:job-status", args=[job.pk])).json()
    assert (state["status"], state["rows_total"]) == ("done", 3)
    file = client.get(state["download_url"])
    workbook = load_workbook(io.BytesIO(b"".join(file.streaming_content)))
    assert 3_000_000 in [c for row in workbook.worksheets[0].iter_rows(values_only=True) for c in row]


def import_records(count: int) -> bytes:
    return usulan_xlsx(
        [
            {
                "Tahun Anggaran": 2027,
                "Kode Kabupaten/Kota": "63.03",
                "Perangkat Daerah Pengusul": "Dinas PUPR Kab. Banjar",
                "Kode Sub Kegiatan": SUB,
                "Nama Usulan": f"Jalan Desa {n}",
                "Volume": 1,
                "Satuan": "km",
                "Pagu APBD Kab/Kota": 100_000_000,
            }
            for n in range(count)
        ]
    )


@pytest.fixture
def import_world(banjar, pupr_banjar):
    FundingSchemeFactory(code="APBD_KAB")
    sub_activity(SUB, "Peningkatan Jalan")


def previewed(client, content: bytes) -> ExcelJob:
    """Upload a workbook; its check (a preview job) has run when this returns (the immediate tasks backend)."""
    client.post(reverse("programs:proposal-import"), {"file": SimpleUploadedFile("usulan.xlsx", content)})
    return ExcelJob.objects.get(kind=ExcelJob.Kind.PROPOSAL_PREVIEW)


def test_big_import_is_saved_in_the_background(client, operator_banjar, import_world):
    client.force_login(operator_banjar)
    preview = previewed(client, import_records(3))
    assert (preview.status, preview.rows_total, preview.summary) == (
        ExcelJob.Status.DONE,
        3,
        "3 usulan baru, 0 diubah, 0 tanpa perubahan",
    )
    token = preview.params["token"]
    response = client.post(reverse("programs:proposal-import-confirm"), {"job": preview.pk})
    job = ExcelJob.objects.get(kind=ExcelJob.Kind.PROPOSAL_IMPORT)
    assert response["Location"] == job.get_absolute_url()
    assert Proposal.objects.count() == 3
    state = client.get(reverse("programs:job-status", args=[job.pk])).json()
    assert state["status"] == "done"
    assert state["summary"] == "Impor selesai: 3 usulan baru, 0 diubah, 0 tanpa perubahan."
    assert state["download_url"] is None
    assert not jobs.upload_exists(token)


def test_big_import_failing_saves_nothing_and_says_why(client, operator_banjar, import_world, banjar, pupr_banjar):
    client.force_login(operator_banjar)
    preview = previewed(client, import_records(3))
    # Meanwhile the agency the rows name is retired: the job parses the file again and finds every row wrong.
    Agency.objects.filter(pk=pupr_banjar.pk).update(is_active=False)
    client.post(reverse("programs:proposal-import-confirm"), {"job": preview.pk})
    job = ExcelJob.objects.get(kind=ExcelJob.Kind.PROPOSAL_IMPORT)
    assert job.status == ExcelJob.Status.FAILED
    assert job.error.startswith("Tidak ada yang disimpan.")
    assert "Baris 3" in job.error
    assert not Proposal.objects.exists()


def test_uploads_and_job_files_go_through_the_storage_api(client, settings, operator_banjar, import_world):
    """With a storage that is no disk at all (as S3 is not), an import and an export work end to end, and nothing is
    written under MEDIA_ROOT: web and worker processes on different machines share files through the storage."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    client.force_login(operator_banjar)
    preview = previewed(client, import_records(3))
    assert preview.status == ExcelJob.Status.DONE
    assert jobs.upload_exists(preview.params["token"])
    client.post(reverse("programs:proposal-import-confirm"), {"job": preview.pk})
    assert Proposal.objects.count() == 3
    assert not jobs.upload_exists(preview.params["token"])

    client.get(reverse("programs:proposal-export"))
    export = ExcelJob.objects.get(kind=ExcelJob.Kind.PROPOSAL_EXPORT)
    download = client.get(reverse("programs:job-download", args=[export.pk]))
    assert len(exported_numbers(b"".join(download.streaming_content))) == 3
    assert not Path(settings.MEDIA_ROOT).exists()

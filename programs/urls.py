from django.urls import URLPattern, URLResolver, include, path

from programs import autocomplete, document_views, excel_views, map_views, views
from programs.comment_views import comment_create, comment_list
from rakornis.actions import Action

app_name = "programs"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.ProposalListView.as_view(), name="proposal-list"),
    path("baru/", views.ProposalCreateView.as_view(), name="proposal-create"),
    path("peta/", map_views.proposal_map, name="proposal-map"),
    path("total/", views.proposal_totals, name="proposal-totals"),
    path("lanjutkan/", views.proposal_carry_over_bulk, name="proposal-carry-over-bulk"),
    path("massal/", views.proposal_bulk, name="proposal-bulk"),
    path("wilayah/<str:code>/", views.region_children, name="region-children"),
    path("sub-kegiatan/", autocomplete.sub_activity_search, name="sub-activity-search"),
    path("program-kegiatan/", autocomplete.program_search, name="program-search"),
    path("kabupaten-kota/", autocomplete.region_search, name="region-search"),
    path("<int:pk>/", views.ProposalDetailView.as_view(), name="proposal-detail"),
    path("<int:pk>/ubah/", views.ProposalUpdateView.as_view(), name="proposal-update"),
    path("<int:pk>/ajukan/", views.proposal_event, {"action": Action.SUBMIT}, name="proposal-submit"),
    path("<int:pk>/tarik/", views.proposal_event, {"action": Action.WITHDRAW}, name="proposal-withdraw"),
    path("<int:pk>/kembalikan/", views.proposal_return, name="proposal-return"),
    # The verification page: the readiness checklist, then verify (or return) in one form (programs/document_views.py).
    path("<int:pk>/verifikasi/", document_views.proposal_verification, name="proposal-verify"),
    path("<int:pk>/lanjutkan/", views.proposal_event, {"action": Action.CARRY_OVER}, name="proposal-carry-over"),
]

# Supporting documents of a proposal: listed to whoever sees it, attached by its operators while editable, served
# only through the policy (programs/document_views.py).
urlpatterns += [
    path("<int:pk>/dokumen/", document_views.document_list, name="document-list"),
    path("<int:pk>/dokumen/unggah/", document_views.document_upload, name="document-upload"),
    path("<int:pk>/dokumen/<int:document_pk>/unduh/", document_views.document_download, name="document-download"),
    path("<int:pk>/dokumen/<int:document_pk>/hapus/", document_views.document_remove, name="document-delete"),
]

# A proposal's thread: read by whoever sees the proposal (also on its page), written by its staff there
# (programs/comment_views.py).
urlpatterns += [
    path("<int:pk>/diskusi/", comment_list, name="comment-list"),
    path("<int:pk>/diskusi/kirim/", comment_create, name="comment-create"),
]

# A background job (an export or import run by the worker): its page, its progress polled by that page, its file.
job_patterns = [
    path("", excel_views.job_detail, name="job-detail"),
    path("status/", excel_views.job_status, name="job-status"),
    path("unduh/", excel_views.job_download, name="job-download"),
]

# Excel: the template, the import (upload + preview, then confirm), the proposal export, background jobs
# (programs/excel_views.py). The Renja pages and the Renja and recap workbooks are the `workplans` app's.
urlpatterns += [
    path("excel/templat/", excel_views.proposal_template, name="proposal-template"),
    path("excel/impor/", excel_views.proposal_import, name="proposal-import"),
    path("excel/impor/simpan/", excel_views.proposal_import_confirm, name="proposal-import-confirm"),
    path("excel/ekspor/", excel_views.proposal_export, name="proposal-export"),
    path("excel/pekerjaan/<int:pk>/", include(job_patterns)),
]

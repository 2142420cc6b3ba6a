from django.urls import path

from meetings import desk_views, views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting-list"),
    path("baru/", views.MeetingCreateView.as_view(), name="meeting-create"),
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("<int:pk>/ubah/", views.MeetingUpdateView.as_view(), name="meeting-update"),
    path("<int:pk>/hadir/", views.attendance_add_view, name="attendance-add"),
    path("<int:pk>/hadir/tambah/", views.attendance_form_view, name="attendance-form"),
    path("<int:pk>/hadir/<int:attendance_pk>/hapus/", views.attendance_delete_view, name="attendance-delete"),
    path("<int:pk>/dasar/", views.basis_add_view, name="basis-add"),
    path("<int:pk>/dasar/<int:basis_pk>/", views.basis_update_view, name="basis-update"),
    path("<int:pk>/dasar/<int:basis_pk>/hapus/", views.basis_delete_view, name="basis-delete"),
    path("<int:pk>/dasar/<int:basis_pk>/pindah/", views.basis_move_view, name="basis-move"),
    path("<int:pk>/agenda/", views.agenda_add_view, name="agenda-add"),
    path("<int:pk>/agenda/tambah/", views.agenda_form_view, name="agenda-form"),
    path("<int:pk>/agenda/sepakati/", views.agenda_agree_view, name="agenda-agree"),
    path("<int:pk>/agenda/<int:item_pk>/hapus/", views.agenda_remove_view, name="agenda-remove"),
    path("<int:pk>/keputusan/<int:proposal_pk>/", views.decision_record_view, name="decision-record"),
    path("<int:pk>/desk/<int:desk_pk>/", desk_views.desk_detail_view, name="desk-detail"),
    path(
        "<int:pk>/desk/<int:desk_pk>/indikator/<str:code>/",
        desk_views.desk_agreement_view,
        name="desk-agreement",
    ),
    path("<int:pk>/tutup/", views.meeting_close_view, name="meeting-close"),
    path("<int:pk>/berita-acara/", views.meeting_minutes_view, name="meeting-minutes"),
    path("<int:pk>/berita-acara/lengkap/", views.meeting_minutes_job_view, name="meeting-minutes-job"),
    path("<int:pk>/berita-acara/lampiran.xlsx", views.meeting_annex_export_view, name="meeting-annex-export"),
]

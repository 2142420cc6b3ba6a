"""Renja PD pages and the Excel of the Renja and the recap, mounted under `usulan/` (rakornis/urls.py), where they
have always been: /usulan/renja/..., /usulan/excel/rekap/."""

from django.urls import path

from workplans import views

app_name = "workplans"

urlpatterns = [
    path("renja/", views.WorkPlanListView.as_view(), name="workplan-list"),
    path("renja/baru/", views.workplan_create, name="workplan-create"),
    path("renja/<int:pk>/", views.WorkPlanDetailView.as_view(), name="workplan-detail"),
    path("renja/<int:pk>/kegiatan/<str:code>/", views.workplan_kegiatan, name="workplan-kegiatan"),
    path("renja/<int:pk>/cetak/", views.workplan_print, name="workplan-print"),
    path("renja/<int:pk>/sinkronisasi/", views.workplan_sync, name="workplan-sync"),
    path("renja/<int:pk>/finalkan/", views.workplan_finalise, name="workplan-finalise"),
    path("renja/<int:pk>/excel/", views.workplan_export, name="workplan-export"),
    path(
        "renja/<int:pk>/excel/pemangku-kepentingan/",
        views.workplan_stakeholders_export,
        name="workplan-stakeholders-export",
    ),
    path("excel/rekap/", views.recap_export, name="recap-export"),
]

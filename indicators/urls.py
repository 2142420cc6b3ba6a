"""Outcome indicators, under /indikator/ (rakornis/urls.py)."""

from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.indicator_list, name="indicator-list"),
    path("templat/", views.indicator_template, name="indicator-template"),
    path("impor/", views.indicator_import, name="indicator-import"),
    path("impor/<int:pk>/", views.indicator_import_preview, name="indicator-import-preview"),
    path("impor/<int:pk>/simpan/", views.indicator_import_confirm, name="indicator-import-confirm"),
    path("<str:code>/", views.indicator_detail, name="indicator-detail"),
    path("<str:code>/isi/", views.indicator_entry, name="indicator-entry"),
]

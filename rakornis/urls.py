from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rakornis import fiscal_year, views

admin.site.site_header = "Administrasi Rakornis"
admin.site.site_title = "Rakornis"
admin.site.index_title = "Data referensi dan registri"

urlpatterns = [
    path("", views.home, name="home"),
    path("masuk/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("tahun-anggaran/", fiscal_year.fiscal_year_switch, name="fiscal-year-switch"),
    path("usulan/", include("programs.urls")),
    path("usulan/", include("workplans.urls")),
    path("rapat/", include("meetings.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

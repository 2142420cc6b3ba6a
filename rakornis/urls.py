from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rakornis import fiscal_year, signin, views

admin.site.site_header = "Administrasi Rakornis"
admin.site.site_title = "Rakornis"
admin.site.index_title = "Data referensi dan registri"

urlpatterns = [
    path("", views.home, name="home"),
    path("dasbor/", views.dashboard, name="dashboard"),
    path("masuk/", signin.SignInView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's own account views under Indonesian addresses, with our templates (templates/registration/).
    path("akun/kata-sandi/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("akun/kata-sandi/selesai/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("masuk/lupa-kata-sandi/", signin.PasswordResetView.as_view(), name="password_reset"),
    path("masuk/lupa-kata-sandi/terkirim/", signin.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "masuk/atur-ulang/<uidb64>/<token>/",
        signin.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("masuk/atur-ulang/selesai/", signin.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("tahun-anggaran/", fiscal_year.fiscal_year_switch, name="fiscal-year-switch"),
    path("usulan/", include("programs.urls")),
    path("usulan/", include("workplans.urls")),
    path("rapat/", include("meetings.urls")),
    path("indikator/", include("indicators.urls")),
    path("notifikasi/", include("programs.notification_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

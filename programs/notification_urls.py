"""A user's notifications and their preferences (programs/notification_views.py), under /notifikasi/."""

from django.urls import URLPattern, path

from programs import notification_views

app_name = "notifications"

urlpatterns: list[URLPattern] = [
    path("", notification_views.notification_list, name="notification-list"),
    path("baca-semua/", notification_views.notification_read_all, name="notification-read-all"),
    path("pengaturan/", notification_views.notification_preferences, name="notification-preferences"),
    path("<int:pk>/buka/", notification_views.notification_open, name="notification-open"),
    path("<int:pk>/baca/", notification_views.notification_read, name="notification-read"),
]

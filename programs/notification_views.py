"""A user's notifications (newest first, a page at a time; open one, mark one or all read) and their preferences
(each kind in the application and by email). Each user sees only their own: another's is a 404
(`rakornis.policy.get_notification_for_user`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from programs.comment_forms import NotificationPreferencesForm
from programs.models import Notification
from programs.notifications import forget_unread, notifications_mark_read, preferences_of, preferences_save
from rakornis.policy import get_notification_for_user

PAGE_SIZE = 25


@require_safe
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.for_user(request.user).select_related("actor", "proposal", "meeting")
    unread_only = request.GET.get("belum") == "1"
    if unread_only:
        notifications = notifications.unread()
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programs/notification_list.html", {"page_obj": page, "unread_only": unread_only})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    notification = get_notification_for_user(request.user, pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    forget_unread(request)
    return redirect(notification.get_absolute_url())


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request.user, pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    forget_unread(request)
    return redirect("notifications:notification-list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = notifications_mark_read(user=request.user)
    forget_unread(request)
    messages.success(
        request, f"{changed} notifikasi ditandai sudah dibaca." if changed else "Tidak ada yang belum dibaca."
    )
    return redirect("notifications:notification-list")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    # Not `request.POST or None`: every box unticked is an empty POST, and still a choice.
    data = request.POST if request.method == "POST" else None
    form = NotificationPreferencesForm(data, initial_choices=preferences_of(request.user))
    if request.method == "POST" and form.is_valid():
        preferences_save(user=request.user, choices=form.choices())
        messages.success(request, gettext("Pengaturan notifikasi disimpan."))
        return redirect("notifications:notification-preferences")
    context = {
        "form": form,
        "email_available": settings.NOTIFICATION_EMAILS,
        "has_address": bool(getattr(request.user, "email", "")),
    }
    return render(request, "programs/notification_preferences.html", context)

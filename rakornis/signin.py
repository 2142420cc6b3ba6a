"""Signing in: the address a failed attempt is counted against, and the login and password-reset views.

The lockout itself is django-axes (settings: AXES_*): AxesStandaloneBackend refuses a username or an address with
too many recent failures, on our login page and on the admin's, and axes' middleware answers with
templates/registration/lockout.html.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person signing in, as the trusted reverse proxies in front of us saw it.

    With TRUSTED_PROXY_COUNT = 0 (no proxy) it is REMOTE_ADDR. Behind N proxies that each append the address they
    received the request from to X-Forwarded-For, the N-th entry from the right is the one the outermost of our
    proxies saw; anything left of it was written by the client and can be forged, so it is never used (otherwise
    an attacker would pick a new "address" for every guess and never be locked out).
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-min(count, len(forwarded))]
    return request.META.get("REMOTE_ADDR")


def password_reset_enabled() -> bool:
    """Password reset sends an email: offered only when the server has a mail relay (EMAIL_HOST)."""
    return bool(settings.PASSWORD_RESET_ENABLED)


class SignInView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs, password_reset_enabled=password_reset_enabled())


class _ResetRequiresEmail:
    """Answer 404 on the password-reset pages when no mail relay is configured: a reset link nobody receives
    would only tell a visitor which accounts exist."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not password_reset_enabled():
            raise Http404("Atur ulang kata sandi lewat email tidak tersedia di server ini.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]  # mixed into Django's views below


class PasswordResetView(_ResetRequiresEmail, auth_views.PasswordResetView):
    pass


class PasswordResetDoneView(_ResetRequiresEmail, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(_ResetRequiresEmail, auth_views.PasswordResetConfirmView):
    pass


class PasswordResetCompleteView(_ResetRequiresEmail, auth_views.PasswordResetCompleteView):
    pass

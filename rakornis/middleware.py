import time
from collections.abc import Callable

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import patch_cache_control


class IndonesianByDefaultMiddleware:
    """Ignore the browser's Accept-Language, so the interface speaks Indonesian unless the user picks English.

    Many office computers run an English browser; without this, LocaleMiddleware would show their users
    "Nov. 22, 2026" and "1,200" instead of "22 November 2026" and "1.200". The language switch (Django's
    set_language view, which stores a cookie) still selects English. Must come before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RejectNullCharactersMiddleware:
    """Answer 400 to a query string or form value containing a NUL character.

    PostgreSQL cannot store or compare text with NUL bytes and raises, so a search for `jalan%00` would otherwise be
    a server error. Forms already refuse them field by field; this covers every view that reads GET or POST directly.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = [request.GET]
        # Multipart bodies (uploads) are left unread here: the import view bounds their size before reading them.
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            queries.append(request.POST)
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for query in queries
            for key, values in query.lists()
        ):
            return HttpResponseBadRequest("Permintaan berisi karakter yang tidak sah (NUL).")
        return self.get_response(request)


class SessionActivityMiddleware:
    """Keep a signed-in session alive while it is used, so that SESSION_COOKIE_AGE is an idle timeout.

    Django sets a session's expiry to SESSION_COOKIE_AGE from its last save; SESSION_SAVE_EVERY_REQUEST would give
    the same idle timeout at the price of a session write on every request. This saves it at most once a
    minute (REFRESH_SECONDS) by touching a timestamp: the session then ends between SESSION_COOKIE_AGE and
    SESSION_COOKIE_AGE + 1 minute after the last request. Must come after AuthenticationMiddleware.
    """

    REFRESH_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # request.user is read after the view: a login or logout during the request is already applied.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            if now - request.session.get("last_activity", 0) >= self.REFRESH_SECONDS:
                request.session["last_activity"] = now
        return response


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user and on every download.

    A signed-in page shows one person's data (their region's proposals, a meeting's decisions), and a download is
    an Excel file of it: neither may stay in a shared proxy's cache or in the browser's cache on an office's shared
    computer after sign-out. Directives a view set itself are kept (never_cache's among them). Must come after
    AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        download = isinstance(response, FileResponse) or response.get("Content-Disposition", "").startswith(
            "attachment"
        )
        user = getattr(request, "user", None)
        if download or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response

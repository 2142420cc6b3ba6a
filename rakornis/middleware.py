from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


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

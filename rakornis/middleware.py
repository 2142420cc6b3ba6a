from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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

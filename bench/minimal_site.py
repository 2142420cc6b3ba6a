"""The web bench's additions to the application, active only under bench/bench_settings.py (never in production).

- `/bench/minimal/`: a minimal authenticated Django page listing 50 rows of a table (regions, by code). Every page of
  the application is measured against it in the same run, so the figures say what the page costs beyond Django,
  the database round trip and the machine's load at that moment.
- `QueryCountMiddleware`: the number of SQL queries a request ran, in an `X-Queries` response header, counted with
  `connection.execute_wrapper` around the whole middleware stack (session and user included).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_safe

from agencies.models import Region
from rakornis.urls import urlpatterns as application_urlpatterns

ROWS = 50

# The same template engine as the application's pages, but none of their layout: the page is the floor.
_TEMPLATE = engines["django"].from_string(
    """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Bench: 50 baris</title></head>
<body><p>{{ request.user.get_username }}</p><table>
{% for region in regions %}<tr><td>{{ region.code }}</td><td>{{ region.name }}</td><td>{{ region.level }}</td></tr>
{% endfor %}</table></body></html>"""
)


@require_safe
@login_required
def minimal_page(request: HttpRequest) -> HttpResponse:
    regions = Region.objects.order_by("code").only("code", "name", "level")[:ROWS]
    return HttpResponse(_TEMPLATE.render({"regions": regions}, request))


class QueryCountMiddleware:
    """Sets `X-Queries` (SQL statements run while answering) on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counting(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response


urlpatterns = [
    *application_urlpatterns,
    path("bench/minimal/", minimal_page, name="bench-minimal"),
]

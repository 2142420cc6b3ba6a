"""The proposal map: the proposals of the filtered list that have coordinates, as points coloured by status.

The filters are the list's own (`filter_proposals` over the same query, the planning year included), so the map
shows what the list shows. The points go to the page as JSON through `json_script` (no inline script, no second
request), bounded at MAP_POINT_LIMIT: beyond it the page says so and asks for a narrower filter. Leaflet draws them
(static/js/map.js); the tiles are the office's (`MAP_TILE_URL`), and without tiles the kabupaten/kota boundaries of
`rakornis.extents` give the points their place.

The boundaries go with the page, not as a file of their own: the shipped file is 81 KB for all 27 kabupaten/kota
(2-19 KB each, Kotabaru the largest), and a page sends only those of the kabupaten/kota it shows (those with points,
or the reader's when none has), which beside the points' own JSON (about 300 bytes a point) is small and needs
neither a second request nor a URL of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from programs.filters import filter_proposals
from programs.models import Proposal
from rakornis import fiscal_year
from rakornis.extents import BOUNDARY_MARGIN, outside_region, region_boundaries, region_extents
from rakornis.formatting import format_rupiah

MAP_POINT_LIMIT = 5_000

# The status colours of the badges (programs/includes/status_badge.html), as Bootstrap 5 draws them; the legend's
# dots repeat them in static/css/rakornis.css (`.map-dot-<status>`), as no style attribute may carry them (CSP).
STATUS_COLOURS = {
    Proposal.Status.DRAFT: "#6c757d",
    Proposal.Status.SUBMITTED: "#0d6efd",
    Proposal.Status.RETURNED: "#fd7e14",
    Proposal.Status.VERIFIED: "#0dcaf0",
    Proposal.Status.AGREED: "#198754",
    Proposal.Status.AGREED_WITH_CHANGES: "#20c997",
    Proposal.Status.MERGED: "#212529",
    Proposal.Status.DEFERRED: "#ffc107",
    Proposal.Status.REJECTED: "#dc3545",
}


def region_shapes(codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The shipped kabupaten/kota outlines (of `codes` only, when given), for Leaflet: the boundary as a GeoJSON
    geometry ([lng, lat]), or, for a kabupaten/kota with a box but no boundary, the box as bounds ([[south, west],
    [north, east]])."""
    boundaries = region_boundaries()
    boxes = region_extents()
    shapes: list[dict[str, Any]] = []
    for code in sorted((set(boundaries) | set(boxes)) if codes is None else set(codes)):
        if (boundary := boundaries.get(code)) is not None:
            shapes.append({"code": code, "name": boundary.name, "geometry": boundary.feature["geometry"]})
        elif (box := boxes.get(code)) is not None:
            bounds = [[float(box.south), float(box.west)], [float(box.north), float(box.east)]]
            shapes.append({"code": code, "name": box.name, "bounds": bounds})
    return shapes


def picker_settings(codes: Iterable[str] | None = None) -> dict[str, Any]:
    """What the proposal form's pin picker (static/js/map_picker.js) needs: the tiles and the outlines of the
    kabupaten/kota the form offers (`codes`; an operator's page names no other), with which it warns, as the page
    does after saving, when the pin lies outside the chosen one."""
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "margin": BOUNDARY_MARGIN,
        "regions": region_shapes(codes),
    }


@login_required
@require_GET
def proposal_map(request: HttpRequest) -> HttpResponse:
    query = fiscal_year.query_with_year(request, "fiscal_year")
    filterset, proposals = filter_proposals(query, user=request.user)
    rows = list(
        proposals.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("pk")
        .values_list("pk", "number", "name", "status", "latitude", "longitude", "total_amount", "region__code")[
            : MAP_POINT_LIMIT + 1
        ]
    )
    truncated = len(rows) > MAP_POINT_LIMIT
    labels = dict(Proposal.Status.choices)
    points = [
        {
            "number": number,
            "name": name,
            "status": status,
            "status_label": labels.get(status, status),
            "colour": STATUS_COLOURS.get(status, "#212529"),
            "lat": float(latitude),
            "lng": float(longitude),
            "amount": format_rupiah(amount),
            "url": reverse("programs:proposal-detail", args=[pk]),
            "region": ".".join(region_code.split(".")[:2]),
            "outside": outside_region(region_code, latitude, longitude),
        }
        for pk, number, name, status, latitude, longitude, amount, region_code in rows[:MAP_POINT_LIMIT]
    ]
    regions = cast(ModelChoiceField, filterset.form.fields["region"]).queryset
    list_query = query.copy()
    list_query.pop("page", None)
    context = {
        "filter": filterset,
        "shown_year": fiscal_year.parse_year(query.get("fiscal_year")),
        "querystring": list_query.urlencode(),
        "map_data": {
            "points": points,
            # The outlines of the kabupaten/kota with points, or of those the reader may filter on when none has
            # (an operator's page names no other).
            **picker_settings(
                {point["region"] for point in points}
                if points
                else (regions.values_list("code", flat=True) if regions is not None else ())
            ),
        },
        "point_count": len(points),
        "outside_count": sum(1 for point in points if point["outside"]),
        "truncated": truncated,
        "limit": MAP_POINT_LIMIT,
        "legend": [(status.value, labels[status]) for status in STATUS_COLOURS],
    }
    return render(request, "programs/proposal_map.html", context)

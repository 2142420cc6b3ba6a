"""`{{ proposal|outside_region_warning }}`: the sentence warning that a proposal's point lies outside its
kabupaten/kota (rakornis.extents.outside_region: by its boundary, or its box where no boundary is shipped), or ""
when it lies inside, has no point or no shipped outline."""

from __future__ import annotations

from typing import Any

from django import template

from rakornis.extents import outside_region

register = template.Library()


@register.filter
def outside_region_warning(proposal: Any) -> str:
    region = getattr(proposal, "region", None)
    if region is None:
        return ""
    return outside_region(region.code, proposal.latitude, proposal.longitude) or ""

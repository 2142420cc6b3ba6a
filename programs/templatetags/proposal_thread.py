"""`{% proposal_thread proposal %}`: the thread card of a proposal's page, with what it needs
(`programs.comment_views.thread_context`), so that every page that shows a proposal shows the same thread."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("programs/includes/comments.html", takes_context=True)
def proposal_thread(context: template.Context, proposal: Any) -> dict[str, Any]:
    from programs.comment_views import thread_context

    request = context["request"]
    return {**thread_context(proposal, request.user), "csrf_token": context.get("csrf_token")}

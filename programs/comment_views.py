"""A proposal's thread: shown on its page (`{% proposal_thread %}`) and on its own page, written by POST.
Access through `rakornis.policy`: 404 outside the user's scope, 403 for a reader who may not write (a viewer)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from programs.comment_forms import CommentForm
from programs.models import Proposal
from programs.services.comments import CommentRefused, comment_add
from rakornis.policy import Action, get_proposal_for_user, may_comment


def thread_context(proposal: Proposal, user: Any) -> dict[str, Any]:
    """What the thread card needs (`programs/includes/comments.html`), for every page that shows it."""
    comments = proposal.comments.select_related("author").order_by("created_at", "pk")
    return {
        "proposal": proposal,
        "comments": list(comments),
        "comment_form": CommentForm() if may_comment(user, proposal) else None,
    }


@require_safe
@login_required
def comment_list(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, pk)
    return render(request, "programs/proposal_comments.html", thread_context(proposal, request.user))


@require_POST
@login_required
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request.user, pk, Action.COMMENT)
    form = CommentForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("text", []):
            messages.error(request, str(error))
    else:
        try:
            comment_add(proposal=proposal, user=request.user, text=form.cleaned_data["text"])
        except CommentRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("Komentar terkirim."))
    return redirect(f"{proposal.get_absolute_url()}#diskusi")

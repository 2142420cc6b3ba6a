"""A proposal's thread: writing a comment, and telling the other side of the conversation.

Who may write is decided before, by `rakornis.policy.may_comment`; here the text is checked (not empty, not too
long) and the comment and its notifications are written in one transaction.
"""

from __future__ import annotations

from django.db import transaction

from programs.models import Notification, Proposal, ProposalComment
from programs.notifications import notify
from rakornis.types import Actor, person


class CommentRefused(Exception):
    """A comment that cannot be saved; the message is shown to the user as is."""


@transaction.atomic
def comment_add(*, proposal: Proposal, user: Actor, text: str) -> ProposalComment:
    """Add `text` to the proposal's thread and notify its participants (`programs.notifications`)."""
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise CommentRefused("Komentar kosong: tuliskan pesan Anda.")
    if len(text) > ProposalComment.MAX_LENGTH:
        raise CommentRefused(
            f"Komentar terlalu panjang: paling banyak {ProposalComment.MAX_LENGTH:,} karakter, "
            f"ini {len(text):,}.".replace(",", ".")
        )
    comment = ProposalComment.objects.create(proposal=proposal, author=person(user), text=text)
    notify(Notification.Kind.COMMENTED, [proposal], user, comment=comment)
    return comment

"""Telling people what happened to the proposals they work on: one function, `notify`, called by the services that
perform each event (`programs.services.transitions`, `meetings.services.decisions`, `programs.services.comments`)
inside their transaction, so a refused or rolled-back event tells nobody.

Who is told (the rule is `rakornis.policy.notified`; the actor never is; administrators without a role neither: they
work no region's queue):

- **submitted**: the verifiers of the proposal's kabupaten/kota (the province's, and the kabupaten/kota's own);
- **returned** (with the verifier's note), **verified**, **decided** (the meeting's outcome), **carried over**: the
  operators of the proposal's kabupaten/kota, and its creator while they still see it;
- **commented**: the thread's earlier writers who still see the proposal, and its operators and verifiers there
  (the two sides of the conversation), so a first comment reaches the other side.

Each person's preferences (`NotificationPreference`) may mute a kind in the application or by email. An event over
more than `SUMMARY_AFTER` proposals leaves one summarised notification per person, however many proposals it moved,
so a bulk verification of 10,000 proposals writes a handful of rows, not 10,000 per verifier. Emails are sent by the
worker (`notification_emails_send`, a Django task) after the transaction commits, only where a mail relay is
configured (`EMAIL_HOST`: `settings.NOTIFICATION_EMAILS`). Each email links to what it is about: the proposal's
page, or the proposal list for a summary; an absolute address from `settings.SITE_URL`, or without it the page's
path on the site (`site_link`). Only the people the policy tells get an email, and they all see the proposal.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.dispatch import receiver
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.text import Truncator

from programs.models import Notification, NotificationPreference, Proposal, ProposalComment
from rakornis import policy
from rakornis.i18n import official_text
from rakornis.session_cache import remember, remembered
from rakornis.types import Actor, person

logger = logging.getLogger(__name__)

Kind = Notification.Kind

# Past this many proposals for one person in one event, they get one summary instead of one row per proposal.
SUMMARY_AFTER = 10
BATCH_SIZE = 1000
NOTE_LENGTH = 600  # of a return note or a comment, in the notification (the proposal's page has it whole)

# The events after which the proposal's creator is told too (the person who will act on it next).
TO_CREATOR = frozenset({Kind.RETURNED, Kind.VERIFIED, Kind.DECIDED, Kind.CARRIED_OVER})
# "Usulan 63.03/2027/0001 — Jalan ... <verb> oleh <actor>"; the summary says "<n> usulan <verb> oleh <actor>".
VERBS: dict[str, str] = {
    Kind.SUBMITTED: "diajukan",
    Kind.RETURNED: "dikembalikan",
    Kind.VERIFIED: "diverifikasi",
    Kind.DECIDED: "diputuskan",
    Kind.CARRIED_OVER: "dilanjutkan ke tahun berikutnya",
    Kind.COMMENTED: "dikomentari",
}


@dataclass(frozen=True)
class _Row:
    pk: int
    number: str
    name: str
    region_code: str
    created_by_id: int | None


def _display(user: Any) -> str:
    if user is None:
        return "sistem"
    return user.get_full_name() or user.get_username()


def _rows(proposals: Sequence[Proposal]) -> list[_Row]:
    """Number, name, kabupaten/kota and creator of each proposal, read in batches (the callers' instances may not
    have their region loaded)."""
    ids = list(dict.fromkeys(proposal.pk for proposal in proposals))
    found: dict[int, _Row] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        values = Proposal.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).values_list(
            "pk", "number", "name", "region__code", "created_by_id"
        )
        found.update((row[0], _Row(*row)) for row in values)
    return [found[pk] for pk in ids if pk in found]


def _note_for(note: str | Mapping[int, str], pk: int) -> str:
    return note.get(pk, "") if isinstance(note, Mapping) else note


def _text(kind: str, row: _Row, actor_name: str, note: str) -> str:
    title = f"Usulan {row.number} \u2014 {Truncator(row.name).chars(120)}"
    note = Truncator(note.strip()).chars(NOTE_LENGTH)
    if kind == Kind.COMMENTED:
        return f"{actor_name} menulis pada usulan {row.number} \u2014 {Truncator(row.name).chars(120)}: {note}"
    if kind == Kind.DECIDED:
        return f"{title}: {note}." if note else f"{title} diputuskan dalam rapat."
    text = f"{title} {VERBS[kind]} oleh {actor_name}."
    if note:
        text += f" Catatan: {note}"
    return text


def _summary(kind: str, rows: Sequence[_Row], actor_name: str, note: str | Mapping[int, str]) -> str:
    text = f"{len(rows):,} usulan {VERBS[kind]} oleh {actor_name}".replace(",", ".")
    numbers = ", ".join(row.number for row in rows[:3])
    text += f", antara lain {numbers}."
    notes = {_note_for(note, row.pk).strip() for row in rows}
    if len(notes) == 1 and (only := notes.pop()):
        text += f" Catatan: {Truncator(only).chars(NOTE_LENGTH)}"
    return text


def _recipients(kind: str, rows: Sequence[_Row], actor_id: int | None, extra: Iterable[int] = ()) -> dict[int, list]:
    """Per recipient, the proposals (of `rows`) they hear about."""
    codes = {row.region_code for row in rows}
    by_region = policy.notified(kind, codes)
    extra = set(extra)
    creators = {row.created_by_id for row in rows if row.created_by_id} if kind in TO_CREATOR else set()
    # Earlier commenters and creators are told only while they still see the proposal.
    seeing = policy.seers(codes) if (extra or creators) else {}
    per_user: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        users = set(by_region.get(row.region_code, ()))
        sees = seeing.get(row.region_code, set())
        users |= extra & sees
        if row.created_by_id in creators and row.created_by_id in sees:
            users.add(row.created_by_id)
        if actor_id is not None:
            users.discard(actor_id)
        for user_id in users:
            per_user[user_id].append(row)
    return per_user


def notify(
    event: str,
    proposals: Sequence[Proposal],
    actor: Actor,
    *,
    note: str | Mapping[int, str] = "",
    meeting: Any = None,
    comment: ProposalComment | None = None,
) -> int:
    """Tell the people concerned that `event` (a `Notification.Kind`) happened to `proposals`, done by `actor`.

    `note` is the verifier's return note, a decision's outcome or a carry-over's new number: one text for all, or
    one per proposal id. `meeting` links a decision to its meeting; `comment` is the comment just written. Returns
    the number of notifications written. Call it inside the transaction of the event."""
    kind = Kind(event)
    rows = _rows(proposals)
    if not rows:
        return 0
    author = person(actor)
    actor_id = author.pk if author is not None else None
    actor_name = _display(author)
    extra: set[int] = set()
    if comment is not None:
        earlier = ProposalComment.objects.filter(proposal_id=comment.proposal_id, author__isnull=False)
        extra = set(earlier.exclude(pk=comment.pk).values_list("author_id", flat=True).distinct())
        note = comment.text
    per_user = _recipients(kind, rows, actor_id, extra)
    if not per_user:
        return 0
    muted = NotificationPreference.objects.filter(user_id__in=list(per_user), kind=kind)
    in_app_off, email_off = set(), set()
    for user_id, in_app, email in muted.values_list("user_id", "in_app", "email"):
        if not in_app:
            in_app_off.add(user_id)
        if not email:
            email_off.add(user_id)

    notifications = []
    mails: list[tuple[int, str, str]] = []  # (recipient, text, path of the page it is about)
    for user_id, concerned in per_user.items():
        if len(concerned) > SUMMARY_AFTER:
            single = None
            text = _summary(kind, concerned, actor_name, note)
        else:
            single = concerned
            text = ""
        for row in single or [None]:
            if row is not None:
                text = _text(kind, row, actor_name, _note_for(note, row.pk))
            if user_id not in in_app_off:
                notifications.append(
                    Notification(
                        recipient_id=user_id,
                        kind=kind,
                        proposal_id=row.pk if row is not None else None,
                        meeting=meeting,
                        actor=author,
                        count=1 if row is not None else len(concerned),
                        text=text,
                    )
                )
            if user_id not in email_off:
                path = (
                    reverse("programs:proposal-detail", args=[row.pk])
                    if row is not None
                    else reverse("programs:proposal-list")
                )
                mails.append((user_id, text, path))
    Notification.objects.bulk_create(notifications, batch_size=BATCH_SIZE)
    if mails and settings.NOTIFICATION_EMAILS:
        _queue_emails(kind, mails)
    return len(notifications)


def _queue_emails(kind: str, mails: list[tuple[int, str, str]]) -> None:
    """One task for the event's emails, enqueued once the transaction commits (never for a rolled-back event)."""
    addresses = dict(
        get_user_model()
        .objects.filter(pk__in={user_id for user_id, _, _ in mails}, is_active=True)
        .exclude(email="")
        .values_list("pk", "email")
    )
    messages = [[addresses[user_id], text, path] for user_id, text, path in mails if user_id in addresses]
    if messages:
        subject = f"Rakornis: {official_text(Kind(kind).label)}"
        transaction.on_commit(lambda: notification_emails_send.enqueue(subject=subject, messages=messages))


def site_link(path: str) -> str:
    """The absolute address of a page of the application (`SITE_URL` + its path), or the path alone without one."""
    site_url: str = getattr(settings, "SITE_URL", "")
    return f"{site_url}{path}" if site_url else path


def _email_body(text: str, path: str) -> str:
    if not path:  # queued before emails carried their page
        where = "Buka Rakornis untuk melihat rinciannya."
    elif getattr(settings, "SITE_URL", ""):
        where = f"Lihat rinciannya: {site_link(path)}"
    else:
        where = f"Lihat rinciannya di Rakornis, halaman {path}"
    return (
        f"{text}\n\n{where}\n\n-- \nPesan otomatis Rakornis; atur notifikasi Anda di halaman Notifikasi > Pengaturan."
    )


@task
def notification_emails_send(*, subject: str, messages: list[list[str]]) -> int:
    """Send an event's notifications by email (run by the worker), one plain-text message per recipient, each with
    the link to its page: `[address, text, path]` (`[address, text]` from a task queued by an older release)."""
    emails = [
        EmailMessage(
            subject,
            _email_body(message[1], message[2] if len(message) > 2 else ""),
            settings.DEFAULT_FROM_EMAIL,
            [message[0]],
        )
        for message in messages
    ]
    sent = mailers.default.send_messages(emails) or 0
    logger.info("Sent %s of %s notification emails (%s)", sent, len(emails), subject)
    return sent


# The header's count, the notifications page and the preferences ------------------------------------------------------

# The header counts at most this many unread notifications ("99+"), so the count stays one short index read.
UNREAD_CAP = 100
# The header's count is kept in the session and counted again at most this often (and at sign-in, and when the user
# marks notifications read), so that a page costs no query for it: pages are held to a query budget (issue 11).
# Someone else's event shows in the header within this many seconds; the notifications page is always current.
UNREAD_REFRESH_SECONDS = 60
SESSION_KEY = "unread_notifications"


def unread_count(user: Any) -> int:
    """The user's unread notifications, counted up to UNREAD_CAP."""
    return Notification.objects.for_user(user).unread()[:UNREAD_CAP].count()


def _remember_unread(session: Any, user: Any) -> int:
    return remember(session, SESSION_KEY, unread_count(user))


@receiver(user_logged_in)
def _count_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The count is taken when the session starts (the sign-in request saves the session anyway)."""
    if request is not None and hasattr(request, "session"):
        _remember_unread(request.session, user)


def forget_unread(request: Any) -> None:
    """After the user marked notifications read: the next page counts again."""
    request.session.pop(SESSION_KEY, None)


def context(request: Any) -> dict[str, Any]:
    """`unread_notifications` (`count` and the badge's `label`) for the header of a signed-in user's page; read from
    the session, counted again when older than UNREAD_REFRESH_SECONDS, and only when a template reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def badge() -> dict[str, Any]:
        count = int(
            remembered(request.session, SESSION_KEY, lambda: unread_count(user), seconds=UNREAD_REFRESH_SECONDS)
        )
        return {"count": count, "label": f"{UNREAD_CAP - 1}+" if count >= UNREAD_CAP else str(count)}

    return {"unread_notifications": SimpleLazyObject(badge)}


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read (those of `ids`, or all); returns how many changed."""
    unread = Notification.objects.for_user(user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def preferences_of(user: Any) -> dict[str, tuple[bool, bool]]:
    """(in the application, by email) per kind; a kind without a row is on both ways."""
    choices = dict.fromkeys(Kind.values, (True, True))
    rows = NotificationPreference.objects.filter(user=user).values_list("kind", "in_app", "email")
    choices.update((kind, (in_app, email)) for kind, in_app, email in rows)
    return choices


@transaction.atomic
def preferences_save(*, user: Any, choices: Mapping[str, tuple[bool, bool]]) -> None:
    """Keep a row only for a kind muted one way or both (no row: both on)."""
    NotificationPreference.objects.filter(user=user).delete()
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, in_app=in_app, email=email)
            for kind, (in_app, email) in choices.items()
            if kind in Kind.values and not (in_app and email)
        ]
    )

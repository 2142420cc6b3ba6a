"""What the proposal page, the verification page, the edit page and the operator's home show of a proposal's
supporting documents and of its verification: read here once (named selectors), never re-derived per page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from programs.models import Proposal, ProposalCheck, ProposalCheckItem, ProposalDocument, document_kinds
from programs.services.documents import size_label
from rakornis import policy
from rakornis.models import AuditEntry

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def document_rows(proposal: Proposal, user: Any) -> list[dict[str, Any]]:
    """The proposal's documents, by type then upload time, each with whether `user` may delete it now."""
    documents = proposal.documents.select_related("uploaded_by").order_by("kind", "uploaded_at", "pk")
    rows = []
    for document in documents:
        document.proposal = proposal
        rows.append(
            {
                "document": document,
                "size": size_label(document.size),
                "deletable": policy.may_delete_document(user, document),
            }
        )
    return rows


def declared_document_rows(proposal: Proposal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The kinds the proposer declared (`Proposal.declared_documents`), each with its label and whether a document
    of that kind is among `rows` (`document_rows`, already read: no query of its own). A declaration is not an
    upload, nor a verification: the page says which declared kinds have no file yet."""
    uploaded = {row["document"].kind for row in rows}
    labels = dict(ProposalDocument.Kind.choices)
    return [
        {"kind": code, "label": labels[code], "uploaded": code in uploaded}
        for code in document_kinds(proposal.declared_documents)
    ]


def document_kinds_present(proposal: Proposal) -> list[StrOrPromise]:
    """The labels of the document types the proposal has, in the order of `ProposalDocument.Kind`."""
    present = set(proposal.documents.values_list("kind", flat=True))
    return [label for value, label in ProposalDocument.Kind.choices if value in present]


def _last_check_id(proposal: Any) -> Any:
    """The id of the proposal's last readiness checklist, as a subquery."""
    return ProposalCheck.objects.filter(proposal=proposal).order_by("-checked_at", "-pk").values("pk")[:1]


def with_last_check(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """`proposals` with `last_check_id`, the id of each one's last readiness checklist (None if never checked), read
    in the same query as the rows (one probe of the checks' proposal index per row), for `latest_check`."""
    return proposals.annotate(last_check_id=Subquery(_last_check_id(OuterRef("pk"))))


_UNREAD = object()


def latest_check(proposal: Proposal) -> ProposalCheck | None:
    """The last readiness checklist recorded for the proposal, with who completed it and its items (`item_list`, in
    the criteria's order), read together in one query; none for a proposal read through `with_last_check` that was
    never checked. A check recorded while no criterion was active has no items: its row is read on its own."""
    check_id = getattr(proposal, "last_check_id", _UNREAD)
    if check_id is None:
        return None
    last: Any = Subquery(_last_check_id(proposal.pk)) if check_id is _UNREAD else check_id
    items = list(
        ProposalCheckItem.objects.filter(proposal_check=last)
        .select_related("proposal_check__checked_by", "criterion")
        .order_by("criterion__order", "criterion_id")
    )
    check = (
        items[0].proposal_check if items else ProposalCheck.objects.select_related("checked_by").filter(pk=last).first()
    )
    if check is not None:
        check.item_list = items
    return check


def with_last_return_note(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """`proposals` with `last_return_note`, the note of each one's last return (None if never returned), read in the
    same query as the rows (one probe of the audit's object index per row): the home page's list of returned
    proposals. `return_notes` gives the whole entries (who, when) for a page that shows them."""
    last = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Proposal),
        object_id=Cast(OuterRef("pk"), CharField()),
        action=AuditEntry.Action.RETURNED,
    ).order_by("-at", "-pk")
    return proposals.annotate(last_return_note=Subquery(last.values("note")[:1]))


def return_notes(proposals: Iterable[Proposal]) -> dict[int, AuditEntry]:
    """The last return (its note, who, when) of each given proposal that was returned, in one query."""
    ids = [str(proposal.pk) for proposal in proposals]
    if not ids:
        return {}
    entries = (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Proposal),
            object_id__in=ids,
            action=AuditEntry.Action.RETURNED,
        )
        .select_related("user")
        .order_by("object_id", "-at", "-pk")
    )
    notes: dict[int, AuditEntry] = {}
    for entry in entries:
        notes.setdefault(int(entry.object_id), entry)
    return notes

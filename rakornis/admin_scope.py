"""Shared pieces of the admin: region scoping for non-superuser staff, locks, audit entries, superuser-only admins.

Scoping reuses the models' own `for_user(user)` querysets, so the admin and the application agree on who sees
what: a staff operator of Kab. Banjar (63.03) never meets a row, a choice or an autocomplete answer of Kab. Tapin
(63.05). Superusers see everything. Who sees and who is an administrator is `rakornis.policy`'s answer; nothing here
reads the superuser flag itself.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from rakornis import policy
from rakornis.audit import audit_log, diff, snapshot
from rakornis.formatting import format_rupiah
from rakornis.models import AuditEntry
from rakornis.numbers import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    MAX_AMOUNT_DIGITS,
    CoordinateField,
    NumberField,
    NumberInput,
    RupiahField,
    VolumeField,
)
from rakornis.pagination import COUNT_BOUND
from rakornis.subqueries import total_subquery


def scope_parent_model(model: type[models.Model], path: str) -> type[models.Model]:
    """The model at the end of a `__`-separated foreign key path (`item__work_plan` on WorkPlanItemFunding)."""
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def scope_queryset(queryset: models.QuerySet, user, through: str | None = None) -> models.QuerySet:
    """Rows of `queryset` that `user` may see: through the model's own `for_user`, or its parent's at `through`."""
    if policy.scope_codes(user) is None:  # sees every region: no subquery that would keep every row anyway
        return queryset
    if through is None:
        return queryset.for_user(user)
    parent = scope_parent_model(queryset.model, through)
    return queryset.filter(**{f"{through}__in": parent._default_manager.for_user(user).values("pk")})


class ScopedChoicesMixin:
    """Limit foreign-key and many-to-many choices to what the user may see.

    The admin of the related model decides: when it is scoped, its `scope_queryset` applies to the choices, so a
    forged POST with another region's id fails validation like any invalid choice. Works on ModelAdmin and inlines.
    """

    def get_field_queryset(self, db, db_field, request: HttpRequest):
        queryset = super().get_field_queryset(db, db_field, request)
        try:
            related_admin = self.admin_site.get_model_admin(db_field.remote_field.model)
        except NotRegistered:
            return queryset
        if not isinstance(related_admin, ScopedAdminMixin):
            return queryset
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db)
        return related_admin.scope_queryset(request, queryset)


class ScopedAdminMixin(ScopedChoicesMixin):
    """A ModelAdmin whose rows are scoped to the user's regions.

    `scope_through` names the foreign key path to a parent whose manager has `for_user` (ProposalFunding ->
    `proposal`); leave it None when the model's own manager has `for_user`. Everything built on `get_queryset` is
    then scoped too: the changelist, the change/delete/history pages (another region's id gives the admin's
    "does not exist" redirect), list filters that obey it, and the autocomplete answers when this admin is the
    target of an autocomplete field.
    """

    scope_through: str | None = None

    def scope_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return scope_queryset(queryset, request.user, self.scope_through)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return self.scope_queryset(request, super().get_queryset(request))


class LockableAdminMixin:
    """Read-only for everyone, superusers included, once `is_locked(obj)` holds (a closed meeting, a final Renja,
    a proposal its status no longer lets anyone edit).

    Superusers included because a closed meeting's Berita Acara is signed and a final Renja is the agency's adopted
    plan: an edit here would change a signed document behind the services that froze it, with rules of its own
    (no status check, no reason asked), which is the second write path issue 7 removes. Frozen data is corrected
    through the application, not around it. Inlines receive the parent object as `obj`, so they implement
    `is_locked` for the parent.
    """

    # New rows go under, or move to, unlocked parents only: {parent model: the filter of its unlocked rows}.
    unlocked_choices: dict[type[models.Model], Q] = {}

    def is_locked(self, obj: models.Model | None) -> bool:
        return False

    def locked_reason(self, obj: models.Model) -> str:
        """Why a locked row is read-only, said at the top of its page (a ModelAdmin's; empty: nothing said)."""
        return ""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        unlocked = self.unlocked_choices.get(db_field.related_model)
        if formfield is not None and unlocked is not None:
            formfield.queryset = formfield.queryset.filter(unlocked)
        return formfield

    def render_change_form(self, request: HttpRequest, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET" and self.is_locked(obj) and (reason := self.locked_reason(obj)):
            messages.warning(request, reason)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        # Inlines receive the parent as a second argument; a ModelAdmin receives only the request.
        if args and args[0] is not None and self.is_locked(args[0]):
            return False
        return super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and self.is_locked(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and self.is_locked(obj):
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyAdminMixin:
    """Rows the admin shows but never adds, changes or deletes, for anyone: a service writes them (decisions and
    agenda items on the meeting pages, which move the proposal's status), or nobody does (the audit trail).
    Works on ModelAdmin and inlines."""

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# The note on audit entries written by the admin, so a reader can tell them from the application's own writes.
ADMIN_NOTE = "Lewat admin"


def _concrete_field_names(model: type[models.Model], names: list[str]) -> list[str]:
    concrete = {field.name for field in model._meta.concrete_fields}
    return [name for name in names if name in concrete]


class AuditedAdminMixin:
    """Write an AuditEntry for every add, change and delete made in the admin, inline rows included.

    The admin runs these hooks inside its own `transaction.atomic`, so the entry commits with the change.
    Only the changed fields are recorded, as `{field: [old, new]}`.
    """

    def save_model(self, request: HttpRequest, obj: models.Model, form, change: bool) -> None:
        fields = _concrete_field_names(type(obj), list(form.changed_data))
        before: dict[str, Any] = {}
        if change and fields:
            before = snapshot(type(obj)._default_manager.get(pk=obj.pk), fields)
        super().save_model(request, obj, form, change)
        if not change:
            audit_log(user=request.user, obj=obj, action=AuditEntry.Action.CREATED, note=ADMIN_NOTE)
            return
        changes = diff(before, snapshot(obj, fields))
        if changes:
            audit_log(user=request.user, obj=obj, action=AuditEntry.Action.CHANGED, changes=changes, note=ADMIN_NOTE)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        audit_log(user=request.user, obj=obj, action=AuditEntry.Action.DELETED, note=ADMIN_NOTE)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            audit_log(user=request.user, obj=obj, action=AuditEntry.Action.DELETED, note=ADMIN_NOTE)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        model = formset.model
        changed_forms = [f for f in formset.initial_forms if f.instance.pk and f.has_changed()]
        originals = model._default_manager.in_bulk([f.instance.pk for f in changed_forms])
        before = {
            f.instance.pk: snapshot(originals[f.instance.pk], _concrete_field_names(model, list(f.changed_data)))
            for f in changed_forms
            if f.instance.pk in originals
        }
        note = ADMIN_NOTE
        # Deleted rows are recorded first, while they still have their id; a failed delete rolls both back.
        for deleted_form in formset.deleted_forms:
            if deleted_form.instance.pk:
                audit_log(user=request.user, obj=deleted_form.instance, action=AuditEntry.Action.DELETED, note=note)
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_log(user=request.user, obj=obj, action=AuditEntry.Action.CREATED, note=note)
        for obj, changed in formset.changed_objects:
            changes = diff(before.get(obj.pk, {}), snapshot(obj, _concrete_field_names(model, list(changed))))
            if changes:
                audit_log(user=request.user, obj=obj, action=AuditEntry.Action.CHANGED, changes=changes, note=note)


class CompactInlineMixin:
    """Tabular rows without the edit/add/delete/view buttons beside each foreign key.

    Agencies and funding schemes are not edited from inside a meeting or a proposal, and the four buttons took a
    third of the width of an attendance row.
    """

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return formfield


class BoundedInlineMixin:
    """A tabular inline whose parent may have tens of thousands of rows (the big Rakornis has 324,914 decisions):
    its change page shows the first `inline_bound` rows only and, above them, how many there are and a link to the
    rows' own changelist filtered by the parent (`parent_lookup`, e.g. `meeting__id__exact`), where the bounded
    paginator pages them. The page costs the same queries whatever the number of rows: one count that stops at
    `COUNT_BOUND + 1`, as the lists' counts do (`rakornis.pagination`), and one read of at most `inline_bound` rows.
    Rows past the bound are neither shown nor posted, so a save never touches them."""

    inline_bound = 50
    parent_lookup: str
    template = "admin/edit_inline/bounded_tabular.html"

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        model = formset.model
        changelist_url = ""
        if obj is not None and self.admin_site.get_model_admin(model).has_view_permission(request):
            opts = model._meta
            query = urlencode({self.parent_lookup: obj.pk})
            changelist_url = f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}?{query}"
        return type(
            formset.__name__,
            (BoundedFormSetMixin, formset),
            {"rows_bound_shown": self.inline_bound, "changelist_url": changelist_url},
        )


class BoundedFormSetMixin:
    """The formset of a `BoundedInlineMixin`: its rows are the first `rows_bound_shown` of the parent's, counted up
    to `COUNT_BOUND`."""

    rows_bound_shown: int
    rows_bound = COUNT_BOUND
    changelist_url: str

    def get_queryset(self):
        if not hasattr(self, "_bounded_rows"):
            rows = super().get_queryset()
            self.rows_count = rows.order_by().values("pk")[: self.rows_bound + 1].count()
            self._bounded_rows = rows[: self.rows_bound_shown]
        return self._bounded_rows

    @property
    def rows_shown(self) -> int:
        return len(self.get_queryset())

    @property
    def rows_cut(self) -> bool:
        self.get_queryset()
        return self.rows_count > self.rows_bound_shown

    @property
    def rows_count_exact(self) -> bool:
        return self.rows_count <= self.rows_bound


COORDINATE_LIMITS = {"latitude": LATITUDE_RANGE, "longitude": LONGITUDE_RANGE}
VOLUME_SHAPE = (14, 2)  # (max_digits, decimal_places) of every volume column: Proposal.volume, Decision.agreed_volume


def number_formfield(db_field: models.DecimalField, **kwargs: Any) -> NumberField:
    """The `rakornis.numbers` form field of a decimal column: a text box that reads `1,8`, `1.500.000` and
    `-3,4128` as the application's forms do, with their messages.

    Rupiah by the shape of `money_field`, volumes by theirs, coordinates by name; any other decimal (an indicator's
    target) is read by the same parser and checked against the column by the model's own validators.
    """
    noun = str(db_field.verbose_name)
    shape = (db_field.max_digits, db_field.decimal_places)
    extra: dict[str, Any]
    if db_field.name in COORDINATE_LIMITS:
        limits = COORDINATE_LIMITS[db_field.name]
        # A negative latitude needs a minus key, which a phone's decimal keypad does not have.
        widget = NumberInput(inputmode="text" if limits[0] < 0 else "decimal")
        form_class, extra = CoordinateField, {"noun": noun, "limits": limits, "widget": widget}
    elif shape == (MAX_AMOUNT_DIGITS, 0):
        form_class, extra = RupiahField, {}
    elif shape == VOLUME_SHAPE:
        # A forward estimate may be zero (nothing planned for n+1), as in ProposalForm; a volume may not.
        form_class, extra = VolumeField, {"noun": noun, "allow_zero": db_field.name.startswith("forward_")}
    else:
        form_class, extra = NumberField, {}
    # models.Field.formfield: required, label, help text and initial value from the column, without the
    # max_digits/decimal_places arguments DecimalField.formfield adds for Django's own DecimalField.
    return models.Field.formfield(db_field, form_class=form_class, **{**extra, **kwargs})


class TypedNumbersMixin:
    """Decimal columns in admin forms through `rakornis.numbers`, never a browser `type=number` box (which stores
    `1,8` as 18 or refuses `-3,4128`, depending on the browser's language). Works on ModelAdmin and inlines."""

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if isinstance(db_field, models.DecimalField) and not db_field.choices:
            return number_formfield(db_field, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# --- Columns: one line per changelist column -----------------------------------------------------------------------


def lookup_column(
    path: str, description: str, *, ordering: str | None = None, nowrap: bool = False
) -> Callable[[Any, models.Model], Any]:
    """A column (or read-only field) showing `path` of the row: a field, an annotation or a lookup through foreign
    keys (`proposal__region__name`), sorted by `ordering` (the path itself unless given). `nowrap` keeps the value
    on one line (a number such as USL-2027-63.03-0001 in a narrow column)."""

    @admin.display(description=description, ordering=ordering or path)
    def column(modeladmin: Any, obj: models.Model) -> Any:
        value: Any = obj
        for name in path.split("__"):
            value = getattr(value, name) if value is not None else None
        if nowrap:
            return format_html('<span class="nowrap">{}</span>', value)  # format_html escapes its arguments
        return value

    return column


def rupiah_column(path: str, description: str) -> Callable[[Any, models.Model], str]:
    """A column of rupiah, `Rp 1.500.000.000` on one line: a money field of the row, or the `total_amount` that
    `FundingTotalMixin` annotates."""

    @admin.display(description=description, ordering=path)
    def column(modeladmin: Any, obj: models.Model) -> str:
        return rupiah_html(getattr(obj, path, None))

    return column


class FundingTotalMixin:
    """Each row annotated with `total_amount`, the sum of its funding lines: `funding_lines` names the line model
    and the path from a line to the row (`(DecisionFunding, "decision")`). One correlated subquery
    (`total_subquery`), computed only for the rows of the page."""

    funding_lines: tuple[type[models.Model], str]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        model, path = self.funding_lines
        lines = model._default_manager.all()
        return super().get_queryset(request).annotate(total_amount=total_subquery(lines, path))


class RupiahWhenReadOnlyMixin:
    """A funding-line inline whose `amount` reads `Rp 1.500.000.000` wherever it cannot be edited (a submitted
    proposal, a decision, a Renja line): Django shows a read-only decimal bare (`1500000000`), since the pages, not
    a setting, decide which numbers are grouped."""

    def get_fields(self, request: HttpRequest, obj=None):
        fields = super().get_fields(request, obj)
        if self._amount_editable(request, obj):
            return fields
        return ["amount_rupiah" if name == "amount" else name for name in fields]

    def _amount_editable(self, request: HttpRequest, obj) -> bool:
        # As the admin decides it (ModelAdmin.get_inline_formsets): the parent's permission first, a lock included.
        # A user who may add lines but not change them types the amount of a new line: the box stays.
        parent = self.admin_site.get_model_admin(self.parent_model)
        parent_editable = parent.has_change_permission(request, obj) if obj else parent.has_add_permission(request)
        may_type = self.has_change_permission(request, obj) or self.has_add_permission(request, obj)
        return parent_editable and may_type and "amount" not in self.get_readonly_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*super().get_readonly_fields(request, obj), "amount_rupiah"]

    amount_rupiah = rupiah_column("amount", "pagu (Rp)")


class ScopedModelAdmin(TypedNumbersMixin, AuditedAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """The usual base for the registry's own data: scoped to the user's regions, audited, numbers typed the
    Indonesian way."""


class ReferenceModelAdmin(TypedNumbersMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Reference data (nomenclature, funding schemes, indicators): the same for everyone with view permission."""


class SuperuserOnlyAdminMixin:
    """Accounts and roles: only superusers may see or change them, whatever permissions a staff member holds.

    A staff member with `change_user` or `change_staffrole` could otherwise widen their own scope or make
    themselves superuser.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return policy.is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return policy.is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return policy.is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return policy.is_administrator(request.user)


def rupiah_html(value: Decimal | int | None) -> str:
    """`Rp 1.500.000.000` on one line in a narrow changelist column."""
    return format_html('<span class="nowrap">{}</span>', format_rupiah(value))  # format_html escapes its arguments

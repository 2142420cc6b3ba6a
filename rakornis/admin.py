from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, DecimalField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from agencies.models import Agency
from rakornis import policy
from rakornis.admin_scope import ReadOnlyAdminMixin, ScopedAdminMixin, SuperuserOnlyAdminMixin
from rakornis.formatting import format_thousands
from rakornis.models import AuditEntry


def _field(entry: AuditEntry, name: str):
    model = entry.content_type.model_class()
    try:
        return model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field renamed or removed since the entry was written
        return None


# Keys the services record that are not model fields.
EXTRA_LABELS = {"funding": "pendanaan"}


def _value(value, field=None, number: bool = False) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, dict):  # e.g. funding per scheme: {"APBD_KAB": "1500000000"}
        return "; ".join(f"{key}: {_value(item, number=True)}" for key, item in value.items()) or "—"
    if field is not None and getattr(field, "choices", None):
        # Status and other choices by their label (`Terverifikasi`), as the user saw them.
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and (number or field is None or isinstance(field, DecimalField)):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            return value
        # Written the Indonesian way (`1.500.000.000`, `2,5`); `1.5E+9`, as amounts were once recorded, included.
        if amount.is_finite() and (number or field is not None or "E+" in value):
            whole, _, fraction = f"{abs(amount):f}".partition(".")
            sign = "-" if amount < 0 else ""
            return f"{sign}{format_thousands(Decimal(whole))}" + (f",{fraction}" if fraction else "")
    return str(value)


def _rows(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(label, old, new) per changed field; tolerant of a value that is not an `[old, new]` pair."""
    changes = entry.changes if isinstance(entry.changes, dict) else {"perubahan": [None, entry.changes]}
    rows = []
    for name, value in changes.items():
        old, new = value if isinstance(value, list | tuple) and len(value) == 2 else (None, value)
        field = _field(entry, name)
        label = str(field.verbose_name) if hasattr(field, "verbose_name") else EXTRA_LABELS.get(name, name)
        rows.append((label, _value(old, field), _value(new, field)))
    return rows


class KindFilter(admin.SimpleListFilter):
    """By the kind of data, from the registered admins: no scan of the audit table to find which kinds occur."""

    title = "jenis data"
    parameter_name = "jenis"

    def lookups(self, request, model_admin):
        kinds = []
        for model, registered in model_admin.admin_site._registry.items():
            if isinstance(registered, SuperuserOnlyAdminMixin) and not policy.is_administrator(request.user):
                continue
            kinds.append((str(ContentType.objects.get_for_model(model).pk), str(model._meta.verbose_name)))
        return sorted(kinds, key=lambda kind: kind[1].lower())

    def queryset(self, request, queryset):
        return queryset.filter(content_type_id=self.value()) if self.value() else queryset


class UserFilter(admin.SimpleListFilter):
    """By who did it: staff and the holders of a role in an agency the user may see (no scan of the audit table)."""

    title = "oleh"
    parameter_name = "oleh"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.order_by("username")
        if policy.is_administrator(request.user):
            users = users.filter(Q(is_staff=True) | Q(staff_roles__isnull=False))
        else:
            users = users.filter(staff_roles__agency__in=Agency.objects.for_user(request.user))
        return [(str(pk), username) for pk, username in users.distinct().values_list("pk", "username")]

    def queryset(self, request, queryset):
        return queryset.filter(user_id=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail, read-only: entries are written by the services and the admin, never edited."""

    list_display = ["at", "user", "action", "kind", "target_link", "changes_summary"]
    list_filter = ["action", KindFilter, UserFilter, "at"]
    search_fields = ["object_repr", "note"]
    list_select_related = ["user", "content_type"]
    # Newest first by id, the order entries are written in: an index answers it (`-at, -pk` sorts every entry
    # sharing a timestamp, and a bulk import shares one).
    ordering = ["-pk"]
    fields = ["at", "user", "action", "kind", "object_id", "target_link", "changes_table", "note"]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if policy.is_administrator(request.user):
            return queryset
        return queryset.filter(self._visible_targets(request))

    def _visible_targets(self, request: HttpRequest) -> Q:
        """Entries about rows the user may see: scoped models through their admin, reference data in full.

        Accounts, roles and anything without an admin stay hidden; an entry's text (the proposal number and name)
        must not reveal another kabupaten's data.
        """
        visible = Q(pk__in=[])
        for model, model_admin in self.admin_site._registry.items():
            if isinstance(model_admin, SuperuserOnlyAdminMixin) or model is AuditEntry:
                continue
            content_type = ContentType.objects.get_for_model(model)
            if isinstance(model_admin, ScopedAdminMixin):
                ids = model_admin.scope_queryset(request, model._default_manager.all()).annotate(
                    pk_text=Cast("pk", CharField())
                )
                visible |= Q(content_type=content_type, object_id__in=ids.values("pk_text"))
            elif model_admin.has_view_permission(request):
                visible |= Q(content_type=content_type)
        return visible

    @admin.display(description="jenis data", ordering="content_type__model")
    def kind(self, entry: AuditEntry) -> str:
        return entry.content_type.name

    @admin.display(description="data", ordering="object_repr")
    def target_link(self, entry: AuditEntry) -> str:
        try:
            url = reverse(
                f"admin:{entry.content_type.app_label}_{entry.content_type.model}_change", args=[entry.object_id]
            )
        except NoReverseMatch:
            return entry.object_repr
        if entry.action == AuditEntry.Action.DELETED:
            return entry.object_repr
        # format_html escapes its arguments: object_repr is the row's text (a proposal's name) as typed.
        return format_html('<a href="{}">{}</a>', url, entry.object_repr)

    @admin.display(description="perubahan")
    def changes_summary(self, entry: AuditEntry) -> str:
        if not entry.changes:
            return "—"
        # format_html_join escapes every value of every row: old and new values are text as people typed it.
        return format_html_join("", "<div><strong>{}</strong>: {} → {}</div>", _rows(entry))

    @admin.display(description="perubahan (lama → baru)")
    def changes_table(self, entry: AuditEntry) -> str:
        if not entry.changes:
            return "Tidak ada perubahan kolom yang dicatat."
        # format_html_join escapes every value; format_html then inserts those already-escaped rows as they are.
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", _rows(entry))
        return format_html(
            "<table><thead><tr><th>Kolom</th><th>Lama</th><th>Baru</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)


class AuditEntry(models.Model):
    """Who did what to which row, when, and which fields changed (old and new values).

    Written by the services in the same transaction as the change it records.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Dibuat")
        CHANGED = "changed", _("Diubah")
        DELETED = "deleted", _("Dihapus")
        SUBMITTED = "submitted", _("Diajukan")
        WITHDRAWN = "withdrawn", _("Ditarik ke draf")
        RETURNED = "returned", _("Dikembalikan untuk perbaikan")
        VERIFIED = "verified", _("Diverifikasi")
        DECIDED = "decided", _("Diputuskan dalam rapat")
        CARRIED_OVER = "carried_over", _("Dilanjutkan ke tahun berikutnya")
        CLOSED = "closed", _("Rapat ditutup")
        IMPORTED = "imported", _("Diimpor")
        SYNCED = "synced", _("Disinkronkan ke Renja")

    content_type = models.ForeignKey(ContentType, verbose_name=_("jenis data"), on_delete=models.CASCADE)
    object_id = models.CharField(_("ID data"), max_length=40)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("data"), max_length=300)
    action = models.CharField(_("tindakan"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    changes = models.JSONField(_("perubahan"), default=dict, blank=True, help_text=_("{kolom: [lama, baru]}"))
    note = models.TextField(_("catatan"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("jejak audit")
        verbose_name_plural = _("jejak audit")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="rakornis_audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()} {self.object_repr}"

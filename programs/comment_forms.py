"""The forms of a proposal's thread and of a user's notification preferences: they validate, nothing else."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from programs.models import Notification, ProposalComment

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Komentar"),
        max_length=ProposalComment.MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "form-control",
                "placeholder": _("Tulis pertanyaan atau jawaban untuk usulan ini"),
            }
        ),
        error_messages={
            "required": _("Komentar kosong: tuliskan pesan Anda."),
            "max_length": _("Komentar terlalu panjang: paling banyak %(limit_value)s karakter, ini %(show_value)s."),
        },
    )


class NotificationPreferencesForm(forms.Form):
    """Two boxes per kind of notification: in the application, by email (`<kind>-in_app`, `<kind>-email`)."""

    def __init__(self, *args: Any, initial_choices: dict[str, tuple[bool, bool]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            in_app, email = initial_choices[kind]
            self.fields[f"{kind}-in_app"] = forms.BooleanField(
                label=gettext("%(kind)s: di aplikasi") % {"kind": label}, required=False, initial=in_app
            )
            self.fields[f"{kind}-email"] = forms.BooleanField(
                label=gettext("%(kind)s: email") % {"kind": label}, required=False, initial=email
            )

    def rows(self) -> list[tuple[StrOrPromise, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"{kind}-in_app"], self[f"{kind}-email"]) for kind, label in Notification.Kind.choices]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {
            kind: (self.cleaned_data[f"{kind}-in_app"], self.cleaned_data[f"{kind}-email"])
            for kind in Notification.Kind.values
        }

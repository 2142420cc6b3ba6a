"""Helpers of the admin tests: URLs, staff with given permissions, and the POST a browser sends back."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import Permission
from django.urls import reverse


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def grant(user, *codenames: str):
    """Make `user` staff with the given `app_label.codename` permissions (a fresh object, so no stale caches)."""
    for label in codenames:
        app_label, codename = label.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.is_staff = True
    user.save()
    return type(user).objects.get(pk=user.pk)


def form_data(response) -> dict:
    """The POST data a browser would send back for an admin change form, inline formsets included."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or field.disabled:
                continue
            if isinstance(field.widget, forms.MultiWidget):  # the admin's date and time boxes: name_0, name_1
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{form.add_prefix(name)}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = str(value)
        for form in formset.initial_forms:
            add(form)
    return data

"""Form widgets that render faster than Django's own where a page has many options.

Django's `Select` renders each option through two included templates (`select_option.html` and `attrs.html`): about
65 microseconds per option, so the proposal list's filter form with a hundred options (six hundred for an
administrator, who sees every kabupaten/kota) spent more time on its drop-downs than on its fifty rows.
`CompactSelect` writes the same HTML from one template with the loop inside (a third of the time).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms.models import ModelChoiceIterator
from django.template.loader import get_template
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString


class CompactSelect(forms.Select):
    """`forms.Select` with its options written in one template (`templates/rakornis/widgets/select.html`), found
    by the project's template engine (the form renderer's own engine knows only Django's and the apps' folders).
    The template escapes every value and label as Django's does."""

    template_name = "rakornis/widgets/select.html"

    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> SafeString:
        # A Django template's output is a SafeString already (its variables escaped), as the form renderer's is.
        return cast(SafeString, get_template(template_name).render(context))

    def create_option(
        self, name: str, value: Any, label: Any, selected: bool, index: int, subindex: int | None = None, attrs=None
    ) -> dict[str, Any]:
        # What the template writes, and no more: Django's option also builds attributes, an id and a template name for
        # each option, which a <select> never uses (option_inherits_attrs is off).
        return {"value": str(value), "label": label, "selected": selected}


class ReadWholeChoices(BaseChoiceIterator):
    """A model choice field's choices (`ModelChoiceIterator`) read by one plain SELECT when the widget renders.

    Django reads them through `QuerySet.iterator()`, which on PostgreSQL is a server-side cursor: DECLARE, FETCH and
    CLOSE, three round trips per drop-down where a list of a few hundred names needs one. Lazy, as the iterator is:
    a form that is only validated (an export's filters) reads nothing (a `BaseChoiceIterator`, which Django keeps as it
    is instead of making a list of it)."""

    def __init__(self, choices: ModelChoiceIterator) -> None:
        self.choices = choices

    def __iter__(self):
        field = self.choices.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        for obj in self.choices.queryset.all():
            yield self.choices.choice(obj)


def compact_selects(form: forms.BaseForm) -> None:
    """Give every plain `Select` of `form` the faster `CompactSelect`, with the same attributes and choices."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            compact = CompactSelect(attrs=widget.attrs)
            choices = widget.choices
            compact.choices = ReadWholeChoices(choices) if isinstance(choices, ModelChoiceIterator) else choices
            compact.is_required = widget.is_required
            field.widget = compact

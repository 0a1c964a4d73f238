"""The journal's filters (GET). A wrong value is dropped rather than shown as an error: the page still answers."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .audit import ACTION_LABELS

ANY = ("", pgettext_lazy("filter", "All"))
SYSTEM = "system"
SELECT = {"class": "form-select form-select-sm"}
INPUT = {"class": "form-control form-control-sm"}


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label=_("Who"), required=False, widget=forms.Select(SELECT))
    kind = forms.ChoiceField(label=_("Kind of object"), required=False, widget=forms.Select(SELECT))
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[ANY, *((str(value), label) for value, label in ACTION_LABELS.items())],
        widget=forms.Select(SELECT),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({**INPUT, "type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput({**INPUT, "type": "date"}, format="%Y-%m-%d")
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput({**INPUT, "type": "search", "placeholder": _("Name of the object")}),
    )

    def __init__(self, data, *, actors: list[tuple[int, str]], kinds: list[tuple[int, str]]):
        super().__init__(data)
        self.fields["actor"].choices = [
            ANY,
            (SYSTEM, _("The system (no one)")),
            *((str(pk), name) for pk, name in actors),
        ]
        self.fields["kind"].choices = [ANY, *((str(pk), name) for pk, name in kinds)]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period must be on or after its start."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters only: {name: value}."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

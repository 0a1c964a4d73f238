from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .importing.columns import FIELDS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Results file"),
        help_text=_("CSV (comma, semicolon or tab) or Excel .xlsx, as exported by the online course; up to 20 MB."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Read the file")))


class MappingForm(forms.Form):
    """One select per field of ours: which column of the file holds it."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [
            (str(index), header or _("(column %(n)s)") % {"n": index + 1}) for index, header in enumerate(headers)
        ]
        for name, label in FIELDS.items():
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, required=name == "email", initial=initial_mapping.get(name, "")
            )
            if name in initial_mapping:
                self.initial[name] = str(initial_mapping[name])
        self.helper = FormHelper()
        self.helper.add_input(Submit("preview", _("Preview the import")))

    def clean(self) -> dict:
        cleaned = super().clean()
        used: dict[str, str] = {}
        for name, column in list(cleaned.items()):
            if not column:
                continue
            if column in used:
                self.add_error(
                    name, _("This column is already used for “%(field)s”.") % {"field": FIELDS[used[column]]}
                )
            used.setdefault(column, name)
        return cleaned

    def mapping(self) -> dict[str, int]:
        return {name: int(column) for name, column in self.cleaned_data.items() if column}

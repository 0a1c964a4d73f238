"""Forms of the edition settings pages and of the copy page. Validation only; services save."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db import models
from django.forms import inlineformset_factory
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Edition, Masterclass, MasterclassMaterial, Phase, Sponsor
from .services.editions_setup import parse_decimal

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
IMAGE_INPUT = forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})
MAX_ROWS = 50


def https_by_default(field, **kwargs):
    """Meta.formfield_callback: an address typed without a scheme is read as https:// (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class DecimalCommaField(forms.DecimalField):
    """A decimal typed either way: 10,5 (French) or 10.5."""

    def to_python(self, value):
        if isinstance(value, str):
            try:
                value = parse_decimal(value)
            except forms.ValidationError:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)


def _ends_after_start(form: forms.Form) -> None:
    starts_on, ends_on = form.cleaned_data.get("starts_on"), form.cleaned_data.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        form.add_error("ends_on", _("The end date must be on or after the start date."))


class EditionSettingsForm(forms.ModelForm):
    pass_mark = DecimalCommaField(
        label=capfirst(Edition._meta.get_field("pass_mark").verbose_name),
        help_text=Edition._meta.get_field("pass_mark").help_text,
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=3,
        localize=True,
    )

    class Meta:
        model = Edition
        formfield_callback = https_by_default
        fields = [
            "title", "theme", "venue", "starts_on", "ends_on", "status", "capacity", "pass_mark",
            "completion_required", "concept_note",
        ]  # fmt: skip
        widgets = {
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
            "concept_note": forms.Textarea(attrs={"rows": 12}),
        }
        help_texts = {
            "concept_note": _(
                "Simple HTML is kept (paragraphs, headings, lists, links, bold, italics, tables); "
                "anything else is removed when you save."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save the settings")))

    def clean(self):
        cleaned_data = super().clean()
        _ends_after_start(self)
        return cleaned_data


def rows_helper() -> FormHelper:
    """One helper for every row of a settings list: the page writes the <form>, the management form and buttons."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        formfield_callback = https_by_default
        fields = ["kind", "starts_on", "ends_on", "link"]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT}

    def clean(self):
        cleaned_data = super().clean()
        _ends_after_start(self)
        return cleaned_data


class MasterclassForm(forms.ModelForm):
    class Meta:
        model = Masterclass
        formfield_callback = https_by_default
        fields = ["title_fr", "title_en", "speakers", "starts_at", "place"]
        widgets = {"starts_at": DATETIME_INPUT}


class MaterialForm(forms.ModelForm):
    class Meta:
        model = MasterclassMaterial
        formfield_callback = https_by_default
        fields = ["title", "link", "file"]
        help_texts = {"file": _("Give a link or a file.")}

    def clean(self):
        cleaned_data = super().clean()
        # "file" is False when its box "clear" is ticked, the stored file when left alone.
        if not cleaned_data.get("link") and not cleaned_data.get("file") and "link" not in self.errors:
            self.add_error("link", _("Give a link or a file."))
        return cleaned_data


class SponsorForm(forms.ModelForm):
    class Meta:
        model = Sponsor
        formfield_callback = https_by_default
        fields = ["kind", "name", "link", "logo", "position"]
        widgets = {"logo": IMAGE_INPUT}
        help_texts = {"logo": _("PNG, JPEG or WebP.")}


_ROWS = {"extra": 2, "can_delete": True, "max_num": MAX_ROWS, "validate_max": True}
PhaseFormSet = inlineformset_factory(
    Edition, Phase, form=PhaseForm, **{**_ROWS, "max_num": len(Phase.Kind), "extra": len(Phase.Kind)}
)
MasterclassFormSet = inlineformset_factory(Edition, Masterclass, form=MasterclassForm, **_ROWS)
MaterialFormSet = inlineformset_factory(Masterclass, MasterclassMaterial, form=MaterialForm, **_ROWS)
SponsorFormSet = inlineformset_factory(Edition, Sponsor, form=SponsorForm, **_ROWS)


class CopyEditionForm(forms.Form):
    """What the new edition is called; services.copy_edition_settings checks the rest (free slug and number)."""

    slug = forms.SlugField(
        label=_("Short name in addresses"),
        max_length=80,
        help_text=_("Lowercase letters, digits and hyphens, e.g. malisig-2026."),
    )
    year = forms.IntegerField(label=_("Year"), min_value=1000, max_value=9999)
    number = forms.IntegerField(label=_("Edition number"), min_value=1, max_value=32767)
    title = forms.CharField(label=_("Title"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("copy", _("Create the new edition")))

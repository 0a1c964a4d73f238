"""Forms of the messages: a message (recipients and texts) and a message template. Validation only, no writes."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cohorts.models import Edition, MessageTemplate
from cohorts.services import outbox

from .services import segments

TEXT_WIDGET = forms.Textarea(attrs={"rows": 8})


def _placeholder_help():
    return _("Placeholders: %(list)s") % {"list": outbox.placeholders_help()}


class _TextsForm(forms.Form):
    subject_fr = forms.CharField(label=_("Subject (French)"), max_length=250)
    body_fr = forms.CharField(label=_("Text (French)"), widget=TEXT_WIDGET, strip=False)
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=250, required=False)
    body_en = forms.CharField(
        label=_("Text (English)"),
        widget=TEXT_WIDGET,
        required=False,
        strip=False,
        help_text=_("Empty: English speakers receive the French text."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body_fr"].help_text = _placeholder_help()

    def clean(self):
        data = super().clean()
        texts = {name: data[name] for name in outbox.TEXT_FIELDS if data.get(name)}
        try:
            outbox.validate_texts(**texts)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field, message)
        return data

    def texts(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in outbox.TEXT_FIELDS}


class MessageForm(_TextsForm):
    """Recipients (a segment of the edition), an optional template, and the texts."""

    segment = forms.ChoiceField(label=_("Recipients"))
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=MessageTemplate.objects.none(), required=False, widget=forms.HiddenInput
    )
    field_order = ["segment", "subject_fr", "body_fr", "subject_en", "body_en", "template"]

    def __init__(self, *args, edition: Edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.edition = edition
        self.fields["segment"].choices = segments.choices(edition)
        self.fields["template"].queryset = MessageTemplate.objects.filter(edition=edition)

    def clean_segment(self) -> str:
        code = self.cleaned_data["segment"]
        try:
            self.segment, self.segment_label = segments.parse(self.edition, code)
        except segments.UnknownSegment:
            raise ValidationError(_("Choose recipients from the list.")) from None
        return code


class TemplateForm(_TextsForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    field_order = ["name", "subject_fr", "body_fr", "subject_en", "body_en"]

    def __init__(self, *args, edition: Edition, instance: MessageTemplate | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial", {"name": instance.name, **{name: getattr(instance, name) for name in outbox.TEXT_FIELDS}}
            )
        super().__init__(*args, **kwargs)
        self.edition, self.instance = edition, instance

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = MessageTemplate.objects.filter(edition=self.edition, name=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Another template already has this name."))
        return name

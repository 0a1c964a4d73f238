"""Forms of the certificates pages. Validation only; services save."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from .models import Certificate, CertificateRules
from .services.certificates import RULE_FIELDS, normalise_code


class CertificateRulesForm(forms.ModelForm):
    class Meta:
        model = CertificateRules
        fields = RULE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_attendance"].validators.append(MaxValueValidator(100))
        self.fields["min_attendance"].widget.attrs.update({"min": 0, "max": 100})
        self.helper = FormHelper()
        self.helper.form_tag = False


class IssueForm(forms.Form):
    kind = forms.ChoiceField(choices=Certificate.Kind.choices, widget=forms.HiddenInput)
    language = forms.ChoiceField(
        label=_("Language of the certificates"),
        choices=[("", _("Each person's language")), *settings.LANGUAGES],
        required=False,
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=300,
        help_text=_("Kept with the certificate; the person does not see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("revoke", _("Revoke the certificate"), css_class="btn-danger"))


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("Printed on the certificate, under the QR code, e.g. ABCD-EFGH-JKLM."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("verify", _("Check the certificate")))

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("A code has 12 letters and digits, e.g. ABCD-EFGH-JKLM."))
        return code

"""Forms of the group workspace: saving a section (from the editor or the plain textarea), comments, status, restore.

Validation only; the services (submissions.services) act and decide what is possible.
"""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Section, SectionVersion

# A section is a few pages; far above any real one, well below the request size limit.
MAX_HTML_CHARS = 500_000
_BLANK_LINES = re.compile(r"\n\s*\n")
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][^>]*>")
Origin = SectionVersion.Origin


def paragraphs_from_plain_text(text: str) -> str:
    """Text typed in the plain textarea without any tag: one <p> per paragraph, so its line breaks survive."""
    if _LOOKS_LIKE_HTML.search(text):
        return text
    blocks = [block.strip() for block in _BLANK_LINES.split(text.replace("\r\n", "\n")) if block.strip()]
    return "".join("<p>" + escape(block).replace("\n", "<br>") + "</p>" for block in blocks)


class SectionSaveForm(forms.Form):
    """What the editor sends (as JSON or as a form): the text, the version it started from, where it comes from."""

    # Writers may only claim these origins; "restored" and "pack" are set by their own services.
    ORIGINS = (Origin.TYPED, Origin.OFFLINE, Origin.MERGED)
    KEEP_MINE, KEEP_THEIRS, KEEP_BOTH = "mine", "theirs", "both"

    html = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        max_length=MAX_HTML_CHARS,
        error_messages={"max_length": _("This text is too long to be saved as one section.")},
    )
    base_version = forms.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        error_messages={
            "required": _("The version this text started from is missing: reload the page."),
            "invalid": _("The version this text started from is not understood: reload the page."),
        },
    )
    origin = forms.ChoiceField(
        choices=[(origin.value, origin.label) for origin in ORIGINS], required=False, initial=Origin.TYPED
    )
    # The merge page without JavaScript: which text to keep.
    keep = forms.ChoiceField(
        choices=[(KEEP_MINE, _("Keep mine")), (KEEP_THEIRS, _("Keep theirs")), (KEEP_BOTH, _("Keep both"))],
        required=False,
    )

    def __init__(self, *args, plain_text: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_text = plain_text

    def clean_html(self) -> str:
        html = self.cleaned_data.get("html") or ""
        return paragraphs_from_plain_text(html) if self.plain_text else html

    def clean_origin(self) -> str:
        return self.cleaned_data.get("origin") or Origin.TYPED

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return str(_("The text could not be read: reload the page."))


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("The comment is empty.")},
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("comment", pgettext_lazy("button", "Comment"), css_class="btn-sm"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Section.Status.choices,
        error_messages={"invalid_choice": _("This status is unknown: nothing was changed.")},
    )


class RestoreForm(forms.Form):
    number = forms.IntegerField(min_value=1, max_value=2**31 - 1)

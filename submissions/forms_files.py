"""The upload form of a group's files: one per role (presentation, attachment, image). Validation of the content is
the service's (check_upload); this form only asks for one file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import GroupFile

Role = GroupFile.Role
# What the file picker offers; the content is checked on the server whatever the name.
ACCEPT = {
    Role.PRESENTATION: ".pptx,.pdf,application/pdf,"
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    Role.ATTACHMENT: ".pdf,.pptx,.docx,.png,.jpg,.jpeg,.webp",
    Role.IMAGE: ".png,.jpg,.jpeg,.webp,image/png,image/jpeg,image/webp",
}
LABELS = {
    Role.PRESENTATION: _("Presentation (PowerPoint PPTX or PDF)"),
    Role.ATTACHMENT: _("Attachment (PDF, PPTX, DOCX, PNG, JPEG or WebP)"),
    Role.IMAGE: _("Image (PNG, JPEG or WebP)"),
}


class GroupFileForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"), allow_empty_file=True)  # refused by check_upload, with its message

    def __init__(self, *args, role: str = Role.PRESENTATION, **kwargs):
        super().__init__(*args, initial={"role": role}, **kwargs)
        self.file_role = role
        self.fields["file"].label = LABELS[Role(role)]
        self.fields["file"].widget.attrs.update({"accept": ACCEPT[Role(role)], "class": "form-control"})

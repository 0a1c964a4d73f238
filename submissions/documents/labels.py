"""The words the builders print around the group's text, in the active language."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .content import DocumentContent, clean_text


def format_datetime(value: datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


def running_header(content: DocumentContent) -> str:
    return " · ".join(part for part in (clean_text(content.school_name), clean_text(content.edition_title)) if part)


def metadata_lines(content: DocumentContent) -> list[str]:
    """Group, stakeholder, members (unless anonymised) and version, one line each, under the title."""
    lines = [
        _("Group: %(group)s") % {"group": clean_text(content.group_name)},
        _("Stakeholder: %(stakeholder)s") % {"stakeholder": clean_text(content.stakeholder)},
    ]
    members = [clean_text(name) for name in content.members or [] if clean_text(name)]
    if members:
        lines.append(_("Members: %(members)s") % {"members": ", ".join(members)})
    generated = format_datetime(content.generated_at)
    if clean_text(content.version_label):
        lines.append(
            _("%(version)s, generated on %(date)s") % {"version": clean_text(content.version_label), "date": generated}
        )
    else:
        lines.append(_("Generated on %(date)s") % {"date": generated})
    return lines


def missing_image(alt: str) -> str:
    """What stands for an image the loader could not give: its description, or nothing."""
    return _("[Image: %(description)s]") % {"description": alt} if alt else ""

"""A group's files: the presentation, attachments and images in sections, checked by content on the way in.

Nothing the user sends decides how a file is stored: the kind, content type and extension come from
malisig.uploads.check_upload, the stored name is random. A refused upload writes nothing, so the earlier file stays
current. Replaced and removed files stay stored: past submissions may include them.
"""

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import Group
from malisig.models import User
from malisig.uploads import ATTACHMENT_KINDS, IMAGE_KINDS, PRESENTATION_KINDS, check_upload, safe_display_name

from ..models import GroupFile
from .workspace import require_writable, settings_for

Role = GroupFile.Role
ALLOWED_KINDS = {
    Role.PRESENTATION: PRESENTATION_KINDS,
    Role.ATTACHMENT: ATTACHMENT_KINDS,
    Role.IMAGE: IMAGE_KINDS,
}
ATTACHMENTS_CLOSED = _("This assignment does not accept attachments.")
NOT_REMOVABLE = _("The presentation cannot be removed: upload a new one to replace it.")


def current_files(group: Group):
    """The files in use (not replaced nor removed), newest first."""
    return GroupFile.objects.filter(group=group, replaced_at__isnull=True).select_related("uploaded_by")


def upload_file(group: Group, uploaded, role: str, *, by: User) -> GroupFile:
    """Check `uploaded` by its content for `role`, store it under a random name and return its GroupFile row.

    Raises PermissionDenied / WorkspaceClosed (require_writable), ValidationError when the file is refused (nothing
    written). Side effects: one file in storage, one GroupFile row; a new presentation marks the current one replaced.
    """
    require_writable(group, by)
    role = Role(role)
    if role == Role.ATTACHMENT:
        settings = settings_for(group)
        if settings is not None and not settings.attachments_allowed:
            raise ValidationError(ATTACHMENTS_CLOSED, code="attachments_closed")
    checked = check_upload(uploaded, allowed=ALLOWED_KINDS[role])
    display_name = safe_display_name(getattr(uploaded, "name", "") or "", extension=checked.extension)

    group_file = GroupFile(
        group=group,
        role=role,
        display_name=display_name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=by,
    )
    # upload_to (RandomName) makes the stored name; only the checked extension reaches it, never the user's name.
    group_file.file.save(f"upload{checked.extension}", File(uploaded), save=False)
    with transaction.atomic():
        Group.objects.select_for_update().filter(pk=group.pk).first()  # lock: two presentations sent at once
        if role == Role.PRESENTATION:
            GroupFile.objects.filter(group=group, role=role, replaced_at__isnull=True).update(
                replaced_at=timezone.now()
            )
        group_file.save()
    return group_file


def remove_file(group_file: GroupFile, *, by: User) -> GroupFile:
    """Take an attachment or an image out of use; the stored file stays (past submissions may include it).

    Raises PermissionDenied / WorkspaceClosed, ValidationError for a presentation. Writes: the GroupFile row.
    """
    group = Group.objects.select_related("edition").get(pk=group_file.group_id)
    require_writable(group, by)
    if group_file.role == Role.PRESENTATION:
        raise ValidationError(NOT_REMOVABLE, code="not_removable")
    if group_file.replaced_at is None:
        group_file.replaced_at = timezone.now()
        group_file.save(update_fields=["replaced_at"])
    return group_file

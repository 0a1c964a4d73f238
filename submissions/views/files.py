"""A group's files: the page listing them with the upload forms, the upload and removal actions, and the download.

Files are served only through group_file, after the same permission as the workspace (submissions.view_workspace);
the file is looked up inside the group, the group inside the edition, so a guessed id of another group's file is a
404. Every download carries nosniff; everything but images is an attachment.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from malisig.ratelimit import rate_limited
from malisig.uploads import CONTENT_TYPES, IMAGE_KINDS, attachment_headers, safe_display_name

from ..forms_files import GroupFileForm
from ..models import GroupFile
from ..services.files import current_files, remove_file, upload_file
from ..services.workspace import WorkspaceClosed, settings_for
from .workspace import VIEW, _access, _group_for, _json

UPLOAD = "submissions.upload_files"
Role = GroupFile.Role
INLINE_TYPES = {CONTENT_TYPES[kind] for kind in IMAGE_KINDS}


def _files_url(group) -> str:
    return reverse("submissions:group_files", args=[group.edition.slug, group.pk])


def _roles(group) -> list[str]:
    settings = settings_for(group)
    roles = [Role.PRESENTATION]
    if settings is None or settings.attachments_allowed:
        roles.append(Role.ATTACHMENT)
    return [*roles, Role.IMAGE]


def _render_files(request, group, bound: GroupFileForm | None = None, status: int = 200):
    files = list(current_files(group))
    if bound is not None and bound.file_role not in _roles(group):
        for error in bound.errors.get("file", []):
            messages.error(request, error)
    forms = [
        bound if bound is not None and bound.file_role == role else GroupFileForm(role=role) for role in _roles(group)
    ]
    context = {
        "edition": group.edition,
        "group": group,
        "presentation": next((f for f in files if f.role == Role.PRESENTATION), None),
        "attachments": [f for f in files if f.role == Role.ATTACHMENT],
        "images": [f for f in files if f.role == Role.IMAGE],
        "forms": forms,
        **_access(request, group),
    }
    return render(request, "submissions/group_files.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("upload")
def group_files(request, slug, group_pk):
    """GET: the group's current files and the upload forms. POST: an upload (multipart), the errors shown next to
    its field when refused."""
    group = _group_for(request, slug, group_pk)
    if request.method == "GET":
        return _render_files(request, group)
    if not request.user.has_perm(UPLOAD, group):
        raise PermissionDenied
    role = request.POST.get("role")
    form = GroupFileForm(request.POST, request.FILES, role=role if role in Role.values else Role.PRESENTATION)
    if not form.is_valid():
        return _render_files(request, group, form, status=400)
    try:
        group_file = upload_file(group, form.cleaned_data["file"], form.cleaned_data["role"], by=request.user)
    except WorkspaceClosed as closed:
        messages.error(request, closed.message)
        return redirect(_files_url(group))
    except ValidationError as error:
        form.add_error("file", error)
        return _render_files(request, group, form, status=400)
    messages.success(request, _("“%(name)s” was uploaded.") % {"name": group_file.display_name})
    return redirect(_files_url(group))


@login_required
@require_POST
def group_file_remove(request, slug, group_pk, file_pk):
    group = _group_for(request, slug, group_pk, UPLOAD)
    group_file = get_object_or_404(GroupFile.objects.filter(group=group, replaced_at__isnull=True), pk=file_pk)
    try:
        remove_file(group_file, by=request.user)
    except WorkspaceClosed as closed:
        messages.error(request, closed.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_files_url(group))


def _image_payload(group, image: GroupFile) -> dict:
    src = reverse("submissions:group_file", args=[group.edition.slug, group.pk, image.pk])
    return {"src": src, "name": image.display_name}


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("upload", json=True)
def group_images(request, slug, group_pk):
    """The editor's image dialog, always JSON. GET: the group's current images, newest first. POST (multipart, field
    `file`): one image through upload_file, 201 with its address; refused 400, closed 423, not allowed 403/401."""
    if not request.user.is_authenticated:
        return _json({"error": _("Your session has ended: log in again.")}, 401)
    uploading = request.method == "POST"
    try:
        group = _group_for(request, slug, group_pk, UPLOAD if uploading else VIEW)
    except PermissionDenied:
        refusal = _("Only the group's members add images.") if uploading else _("You cannot see this group's images.")
        return _json({"error": refusal}, 403)
    if not uploading:
        images = current_files(group).filter(role=Role.IMAGE)
        return _json({"images": [_image_payload(group, image) for image in images]})
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _json({"error": _("Choose an image to upload.")}, 400)
    try:
        image = upload_file(group, uploaded, Role.IMAGE, by=request.user)
    except WorkspaceClosed as closed:
        return _json({"error": closed.message}, 423)
    except PermissionDenied:
        return _json({"error": _("Only the group's members add images.")}, 403)
    except ValidationError as error:
        return _json({"error": " ".join(error.messages)}, 400)
    return _json(_image_payload(group, image), 201)


@login_required
@require_GET
def group_file(request, slug, group_pk, file_pk):
    """The stored file, to those who may see the workspace; images inline (for sections), everything else attached.
    The jury reads the submitted document's images through submissions:review_image (only the images the submitted
    text shows, without their metadata in blind review), never here."""
    group = _group_for(request, slug, group_pk, perm=VIEW)
    group_file = get_object_or_404(GroupFile.objects.filter(group=group), pk=file_pk)
    try:
        handle = group_file.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=group_file.content_type)
    if group_file.role == Role.IMAGE and group_file.content_type in INLINE_TYPES:
        response["Content-Disposition"] = content_disposition_header(False, safe_display_name(group_file.display_name))
        response["X-Content-Type-Options"] = "nosniff"
    else:
        attachment_headers(response, group_file.display_name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

"""Exports of a group's document (DOCX, PDF, presentation starter): served when built, else queued.

Looked up inside the edition (404), after the workspace permission (403). While the Celery task builds the file,
the page refreshes itself with a meta refresh (no script).
"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from malisig.uploads import CONTENT_TYPES, FileKind, attachment_headers

from ..models import ExportFile
from ..services.exports import export_name, request_export
from .workspace import VIEW, _group_for


@never_cache
@login_required
@require_GET
def export(request, slug, group_pk, kind):
    if kind not in ExportFile.Kind.values:
        raise Http404
    group = _group_for(request, slug, group_pk, VIEW)
    stored = request_export(group, kind, by=request.user, language=get_language() or "fr")
    if stored is None:
        context = {"edition": group.edition, "group": group, "kind": kind}
        return render(request, "submissions/export_pending.html", context)
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=CONTENT_TYPES[FileKind(kind)])
    attachment_headers(response, export_name(group, kind))
    response["Cache-Control"] = "private, no-store"
    return response

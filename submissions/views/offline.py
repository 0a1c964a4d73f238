"""The offline pack: download the assignment and the draft as a DOCX, upload an edited copy back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from malisig.ratelimit import rate_limited
from malisig.uploads import CONTENT_TYPES, FileKind, attachment_headers

from ..services.offline import PackRefused, apply_pack, pack_for
from ..services.workspace import WorkspaceClosed
from .workspace import VIEW, WRITE, _group_for, _page_context


@never_cache
@login_required
@require_GET
def offline_pack(request, slug, group_pk):
    group = _group_for(request, slug, group_pk, VIEW)
    name, data = pack_for(group, language=get_language() or "fr")
    response = HttpResponse(data, content_type=CONTENT_TYPES[FileKind.DOCX])
    attachment_headers(response, name)
    return response


@require_POST
@login_required
@rate_limited("upload")
def offline_pack_upload(request, slug, group_pk):
    group = _group_for(request, slug, group_pk, WRITE)
    back = reverse("submissions:workspace", args=[group.edition.slug, group.pk])
    upload = request.FILES.get("pack")
    if upload is None:
        messages.error(request, _("Choose the edited offline pack (.docx) to upload."))
        return redirect(back)
    try:
        result = apply_pack(group, upload, by=request.user)
    except (PackRefused, WorkspaceClosed) as refused:
        messages.error(request, refused.message)
        return redirect(back)
    response = render(
        request, "submissions/workspace_offline_result.html", _page_context(request, group, result=result)
    )
    add_never_cache_headers(response)
    return response

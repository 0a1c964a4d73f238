"""Handing in the document: what is missing, the statement, members' confirmations, submit, withdraw, the snapshots."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ..models import Submission
from ..services import submission as service
from ..services.deadlines import window_for
from ..services.results import released_feedback
from ..services.workspace import WorkspaceClosed, has_pending_submission, settings_for
from .publication import name_consent_context
from .workspace import _group_for

SUBMIT = "submissions.submit_document"
WRITE = "submissions.write_sections"
FEEDBACK = "submissions.view_feedback"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def submission(request, slug, group_pk):
    group = _group_for(request, slug, group_pk)
    if request.method == "POST":
        return _act(request, group)
    settings = settings_for(group)
    submissions = list(group.submissions.select_related("submitted_by").order_by("-number"))
    latest = submissions[0] if submissions else None
    context = {
        "edition": group.edition,
        "group": group,
        "settings": settings,
        "window": window_for(group, settings),
        "missing": service.missing_for_submission(group),
        "pending": has_pending_submission(group),
        "members": service.members_with_confirmation(group) if settings and settings.members_confirm else [],
        "can_submit": request.user.has_perm(SUBMIT, group),
        "can_confirm": request.user.has_perm(WRITE, group),
        "can_withdraw": latest is not None and service.can_withdraw(latest, request.user),
        "latest": latest,
        "submissions": submissions,
    }
    return render(request, "submissions/submission.html", context)


def _act(request, group):
    action = request.POST.get("action")
    try:
        if action == "confirm":
            service.confirm(group, by=request.user)
            messages.success(request, _("Your confirmation is recorded."))
        elif action == "submit":
            done = service.submit(group, by=request.user, declaration_accepted=request.POST.get("declaration") == "on")
            messages.success(request, _("The document is submitted (submission %(number)d).") % {"number": done.number})
        elif action == "withdraw":
            number = request.POST.get("number", "")
            latest = get_object_or_404(
                Submission.objects.filter(group=group), number=int(number) if number.isdigit() else 0
            )
            if not request.user.has_perm(SUBMIT, group):
                raise PermissionDenied
            service.withdraw(latest, by=request.user)
            messages.success(request, _("The submission is withdrawn: the document can be edited again."))
        else:
            messages.error(request, _("The request was not understood."))
    except service.SubmissionRefused as refused:
        for message in refused.messages:
            messages.error(request, message)
    except WorkspaceClosed as closed:
        messages.error(request, closed.message)
    return redirect("submissions:submission", group.edition.slug, group.pk)


@never_cache
@login_required
@require_GET
def submission_detail(request, slug, group_pk, number):
    group = _group_for(request, slug, group_pk)
    snapshot = get_object_or_404(Submission.objects.filter(group=group).select_related("submitted_by"), number=number)
    context = {
        "edition": group.edition,
        "group": group,
        "submission": snapshot,
        "sections": snapshot.sections.all(),
        "files": snapshot.files.select_related("group_file"),
        # The jury's released decision only (never a pending one, never the jurors' own reviews).
        "feedback": released_feedback(snapshot, group) if request.user.has_perm(FEEDBACK, group) else None,
        **name_consent_context(group, request.user),
    }
    return render(request, "submissions/submission_detail.html", context)

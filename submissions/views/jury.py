"""The jury's set-up: the organisers' review settings and rubrics, the chair's jury page (conflicts, assignment),
a juror's page to declare conflicts of interest. Views load, authorise, validate, call submissions.services.jury."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cohorts.permissions import edition_for
from groups.models import Group
from groups.rules import groups_are_published
from malisig.models import User

from ..forms_review import CriterionFormSet, DeclareConflictForm, ReviewSettingsForm, criterion_helper
from ..models import ConflictOfInterest, Criterion
from ..services import jury as service
from ..services.review import review_settings_for

CONFIGURE = service.CONFIGURE
CHAIR = service.CHAIR
SERVE = service.SERVE


# ---------------------------------------------------------------------------
# Review settings (organisers)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review_settings(request, slug):
    """Aggregation, load, blindness, visibility, deadline, weights; the document and defense rubrics."""
    edition = edition_for(request, slug, CONFIGURE)
    current = review_settings_for(edition)
    data = request.POST if request.method == "POST" else None
    # The form edits a copy: after a refused POST the page still describes what is saved.
    form = ReviewSettingsForm(data, instance=copy.copy(current))
    rubrics = {
        rubric: CriterionFormSet(data, instance=edition, prefix=rubric, rubric=rubric) for rubric in Criterion.Rubric
    }
    if data is not None and all([form.is_valid(), *(formset.is_valid() for formset in rubrics.values())]):
        try:
            service.save_review_settings(edition, form.cleaned_data, rubrics=rubrics, by=request.user)
        except service.JuryRefused as refused:
            messages.error(request, refused.message)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The review settings are saved."))
            return redirect(request.path)
    context = {
        "edition": edition,
        "section": "jury",
        "form": form,
        "rubrics": [(Criterion.Rubric(rubric).label, formset) for rubric, formset in rubrics.items()],
        "review_settings": current,
        "helper": criterion_helper(),
    }
    return render(request, "submissions/review_settings.html", context, status=400 if data is not None else 200)


# ---------------------------------------------------------------------------
# The chair's jury page


@never_cache
@login_required
@require_http_methods(["GET"])
def jury_setup(request, slug):
    """The jurors and their load, conflicts to decide, each group's jurors; detection and automatic assignment."""
    edition = edition_for(request, slug, CHAIR)
    show_names = request.user.has_perm(CONFIGURE, edition)
    board = service.jury_board(edition, show_names=show_names)
    context = {"edition": edition, "board": board, "show_names": show_names}
    return render(request, "submissions/jury_chair.html", context)


def _back(edition, anchor: str = ""):
    response = redirect("submissions:jury_setup", edition.slug)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
@require_POST
def jury_detect(request, slug):
    edition = edition_for(request, slug, CHAIR)
    found = service.detect_conflicts(edition, by=request.user)
    if found:
        messages.warning(
            request,
            ngettext(
                "%(count)d likely conflict found: confirm or dismiss it below.",
                "%(count)d likely conflicts found: confirm or dismiss them below.",
                len(found),
            )
            % {"count": len(found)},
        )
    else:
        messages.info(request, _("No new likely conflict found."))
    return _back(edition, "conflicts")


@login_required
@require_POST
def jury_conflict(request, slug, conflict_pk):
    """Confirm or dismiss a detected conflict."""
    edition = edition_for(request, slug, CHAIR)
    conflict = get_object_or_404(
        ConflictOfInterest.objects.filter(group__edition=edition).select_related("juror", "group__edition"),
        pk=conflict_pk,
    )
    action = request.POST.get("action")
    try:
        if action == "confirm":
            service.confirm_conflict(conflict, by=request.user)
            messages.success(request, _("Conflict confirmed: %(juror)s will not review this group.") % {
                "juror": conflict.juror
            })  # fmt: skip
        elif action == "dismiss":
            service.dismiss_conflict(conflict, by=request.user)
            messages.success(request, _("Conflict dismissed: it will not be flagged again."))
        else:
            messages.error(request, _("The request was not understood."))
    except service.JuryRefused as refused:
        messages.error(request, refused.message)
    return _back(edition, "conflicts")


@login_required
@require_POST
def jury_auto_assign(request, slug):
    edition = edition_for(request, slug, CHAIR)
    result = service.auto_assign(edition, by=request.user)
    if result.created:
        messages.success(
            request,
            ngettext("%(count)d assignment made.", "%(count)d assignments made.", len(result.created))
            % {"count": len(result.created)},
        )
    elif not result.understaffed:
        messages.info(request, _("Every document already has its jurors: nothing was changed."))
    if result.understaffed:
        show_names = request.user.has_perm(CONFIGURE, edition)
        label = service.group_labeller(edition, review_settings_for(edition), show_names)
        messages.warning(
            request,
            _(
                "Not enough jurors without a conflict of interest and under their maximum for: %(groups)s. "
                "Invite more jurors, raise the maximum per juror, or assign by hand."
            )
            % {
                "groups": "; ".join(
                    _("%(group)s (%(assigned)d of %(wanted)d)")
                    % {"group": label(row.group), "assigned": row.assigned, "wanted": row.wanted}
                    for row in result.understaffed
                )
            },
        )
    return _back(edition, "assignments")


def _group_and_juror(request, edition) -> tuple[Group, User]:
    group_pk, juror_pk = request.POST.get("group", ""), request.POST.get("juror", "")
    group = get_object_or_404(
        Group.objects.filter(edition=edition).select_related("stakeholder_type"),
        pk=int(group_pk) if group_pk.isdigit() else 0,
    )
    group.edition = edition
    # Scoped: the edition's jury, or someone still assigned here (a juror whose role was withdrawn).
    people = User.objects.filter(
        Q(edition_roles__edition=edition, edition_roles__role__in=service.JURY_ROLES)
        | Q(review_assignments__group__edition=edition)
    ).distinct()
    juror = get_object_or_404(people, pk=int(juror_pk) if juror_pk.isdigit() else 0)
    return group, juror


@login_required
@require_POST
def jury_assign(request, slug):
    edition = edition_for(request, slug, CHAIR)
    group, juror = _group_and_juror(request, edition)
    try:
        service.assign_juror(group, juror, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(juror)s is assigned.") % {"juror": juror})
    return _back(edition, f"group-{group.pk}")


@login_required
@require_POST
def jury_unassign(request, slug):
    edition = edition_for(request, slug, CHAIR)
    group, juror = _group_and_juror(request, edition)
    if service.unassign_juror(group, juror, by=request.user):
        messages.success(request, _("%(juror)s no longer reviews this document.") % {"juror": juror})
    else:
        messages.info(request, _("%(juror)s was not assigned to this document.") % {"juror": juror})
    return _back(edition, f"group-{group.pk}")


# ---------------------------------------------------------------------------
# A juror's conflicts of interest


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def jury_conflicts(request, slug):
    """Every group of the edition (who is in it: organisations only in blind review), the juror's conflicts, and
    a form to declare one. Declaring removes the juror from that group's review; the chair sees it."""
    edition = edition_for(request, slug, SERVE)
    published = groups_are_published(edition)
    sheet = service.conflict_sheet(edition, request.user) if published else None
    form = DeclareConflictForm(request.POST or None, groups=sheet.groups if sheet else [])
    if request.method == "POST" and published and form.is_valid():
        group = form.cleaned_data["group"]
        group.edition = edition
        was_assigned = group.is_assigned
        service.declare_conflict(group, form.cleaned_data["kind"], form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("Your conflict of interest with %(group)s is recorded.") % {"group": group.label})
        if was_assigned:
            messages.info(request, _("You no longer review this document; the chair sees your declaration."))
        return redirect(request.path)
    context = {"edition": edition, "sheet": sheet, "form": form, "published": published}
    status = 400 if request.method == "POST" else 200
    return render(request, "submissions/jury_conflicts.html", context, status=status)

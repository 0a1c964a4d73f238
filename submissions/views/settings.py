"""The organisers' assignment settings (cohorts.manage_edition): the assignment and its questions, the document's
structure, deadlines and deliverables, extensions. Dates are typed and shown in the assignment's time zone."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cohorts.forms_editions import rows_helper
from cohorts.permissions import edition_for
from groups.models import Group

from .. import services
from ..forms_assignment import (
    AssignmentForm,
    ExtensionForm,
    QuestionFormSet,
    SectionTemplateFormSet,
    SubmissionSettingsForm,
    question_choices,
)
from ..models import Assignment, AssignmentSettings

MANAGE = "cohorts.manage_edition"


def _assignment_of(edition) -> Assignment | None:
    assignment = Assignment.objects.filter(edition=edition).first()
    if assignment is not None:
        assignment.edition = edition
    return assignment


def _settings_of(assignment: Assignment) -> AssignmentSettings | None:
    return AssignmentSettings.objects.filter(assignment=assignment).first()


def _page(request, template: str, edition, section: str, **context):
    return render(request, f"submissions/{template}", {"edition": edition, "section": section, **context})


def _needs_assignment(request, edition, section: str):
    return _page(request, "settings_missing.html", edition, section)


@login_required
def settings_assignment(request, slug):
    """Title and problem statement in French and English, and the ordered questions with their guidance."""
    edition = edition_for(request, slug, MANAGE)
    assignment = _assignment_of(edition) or Assignment(edition=edition)
    data = request.POST if request.method == "POST" else None
    # The form edits a copy: after a refused POST the page still shows the saved title.
    form = AssignmentForm(data, instance=copy.copy(assignment))
    questions = QuestionFormSet(data, instance=assignment, prefix="questions")
    if data is not None and all([form.is_valid(), questions.is_valid()]):
        saved = services.save_assignment(edition, form.cleaned_data, questions, by=request.user)
        messages.success(request, _("The assignment is saved."))
        typed = (form.cleaned_data["statement_fr"].strip(), form.cleaned_data["statement_en"].strip())
        if (saved.statement_fr, saved.statement_en) != typed:
            messages.info(request, _("Some formatting of the problem statement was removed for safety."))
        return redirect(request.path)
    context = {"assignment": assignment, "form": form, "formset": questions, "helper": rows_helper()}
    return _page(request, "settings_assignment.html", edition, "assignment", **context)


@login_required
def settings_structure(request, slug):
    """The parts of the document every group writes: order, kind, question answered, titles, word limit."""
    edition = edition_for(request, slug, MANAGE)
    assignment = _assignment_of(edition)
    if assignment is None:
        return _needs_assignment(request, edition, "structure")
    if request.method == "POST" and "create_default" in request.POST:
        created = services.create_default_structure(assignment, by=request.user)
        if created:
            messages.success(
                request,
                ngettext(
                    "The default structure is created: %(count)d part.",
                    "The default structure is created: %(count)d parts.",
                    len(created),
                )
                % {"count": len(created)},
            )
        else:
            messages.info(request, _("The document already has a structure: nothing was changed."))
        return redirect(request.path)
    data = request.POST if request.method == "POST" else None
    formset = SectionTemplateFormSet(
        data, instance=assignment, prefix="parts", form_kwargs=question_choices(assignment)
    )
    if data is not None and formset.is_valid():
        try:
            services.save_structure(assignment, formset, by=request.user)
        except services.StructureRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect(request.path)
    context = {"formset": formset, "helper": rows_helper(), "has_parts": bool(formset.get_queryset())}
    return _page(request, "settings_structure.html", edition, "structure", **context)


@login_required
def settings_deadlines(request, slug):
    """Opening, deadline and its time zone, late policy and cut-off, deliverables, the statement to accept."""
    edition = edition_for(request, slug, MANAGE)
    assignment = _assignment_of(edition)
    if assignment is None:
        return _needs_assignment(request, edition, "deadlines")
    current = _settings_of(assignment) or AssignmentSettings(assignment=assignment)
    zone_name = current.time_zone
    if request.method == "POST":
        # The dates posted are read in the time zone posted with them (the organiser may change both at once).
        posted = request.POST.get("time_zone", "")
        zone_name = posted if posted in (*services.TIME_ZONES, current.time_zone) else current.time_zone
    with timezone.override(services.zone_of(zone_name)):
        form = SubmissionSettingsForm(request.POST or None, instance=copy.copy(current))
        if request.method == "POST" and form.is_valid():
            services.save_submission_settings(assignment, form.cleaned_data, by=request.user)
            messages.success(request, _("The deadlines and deliverables are saved."))
            return redirect(request.path)
        return _page(request, "settings_deadlines.html", edition, "deadlines", form=form, zone_name=zone_name)


@login_required
def settings_extensions(request, slug):
    """Extensions granted so far, and a new one for a group or for the whole edition (after its current deadline)."""
    edition = edition_for(request, slug, MANAGE)
    assignment = _assignment_of(edition)
    if assignment is None:
        return _needs_assignment(request, edition, "extensions")
    current = _settings_of(assignment)
    zone_name = current.time_zone if current else services.DEFAULT_TIME_ZONE
    groups = Group.objects.filter(edition=edition).order_by("stakeholder_type__position", "name", "pk")
    with timezone.override(services.zone_of(zone_name)):
        form = ExtensionForm(request.POST or None, groups=groups)
        if request.method == "POST" and form.is_valid():
            try:
                services.grant_extension(
                    assignment,
                    group=form.cleaned_data["scope"],
                    deadline=form.cleaned_data["deadline"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The extension is granted."))
                return redirect(request.path)
        context = {
            "form": form,
            "zone_name": zone_name,
            "deadline": current.deadline if current else None,
            "edition_deadline": services.edition_window(current).deadline,
            "extensions": assignment.extensions.select_related("group", "granted_by"),
        }
        return _page(request, "settings_extensions.html", edition, "extensions", **context)

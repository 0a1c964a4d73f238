"""Attendance: the edition's sessions (workshop days, masterclasses) and the checklist of each."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import services
from ..forms_roster import SessionForm
from ..models import AttendanceEvent
from ..permissions import edition_for


@login_required
def attendance_list(request, slug):
    """The sessions, and the form to add one (a workshop day)."""
    edition = edition_for(request, slug, "cohorts.take_attendance")
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = services.create_session(edition, by=request.user, **form.cleaned_data)
        messages.success(request, _("Session “%(title)s” created: tick who is there.") % {"title": session.title})
        return redirect("cohorts:attendance_take", slug=edition.slug, event_pk=session.pk)
    context = {
        "edition": edition,
        "sessions": services.sessions_of(edition),
        "masterclasses": services.masterclasses_without_session(edition),
        "expected": services.expected_count(edition),
        "form": form,
    }
    return render(request, "cohorts/attendance_list.html", context)


@require_POST
@login_required
def attendance_from_masterclasses(request, slug):
    """One click: a session for one masterclass (`masterclass=<id>`), or for each one without (`masterclass=all`)."""
    edition = edition_for(request, slug, "cohorts.take_attendance")
    chosen = request.POST.get("masterclass", "")
    ids = None if chosen == "all" else [chosen]
    created = services.create_masterclass_sessions(edition, by=request.user, masterclass_ids=ids)
    if created:
        messages.success(
            request,
            ngettext("%(count)d session created.", "%(count)d sessions created.", created) % {"count": created},
        )
    else:
        messages.info(request, _("Every masterclass already has its session."))
    return redirect("cohorts:attendance_list", slug=edition.slug)


@login_required
def attendance_take(request, slug, event_pk):
    """The checklist: one checkbox per expected person, saved all at once. `?tick=all|none` pre-ticks every box."""
    edition = edition_for(request, slug, "cohorts.take_attendance")
    event = get_object_or_404(
        AttendanceEvent.objects.filter(edition=edition).select_related("edition", "masterclass"), pk=event_pk
    )
    if request.method == "POST":
        saved = services.record_attendance(event, request.POST.getlist("present"), by=request.user)
        messages.success(
            request,
            _("Attendance saved: %(present)d present, %(absent)d absent.")
            % {"present": saved.present, "absent": saved.absent},
        )
        return redirect("cohorts:attendance_take", slug=edition.slug, event_pk=event.pk)
    tick = request.GET.get("tick")
    rows = [
        (enrolment, mark, {"all": True, "none": False}.get(tick, bool(mark)))
        for enrolment, mark in services.checklist(event)
    ]
    context = {
        "edition": edition,
        "event": event,
        "rows": rows,
        "recorded": any(mark is not None for _enrolment, mark, _ticked in rows),
        "overridden": tick in ("all", "none"),
    }
    return render(request, "cohorts/attendance_take.html", context)

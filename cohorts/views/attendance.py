"""Attendance: the edition's sessions (workshop days, masterclasses) and the checklist of each."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from malisig.markup import format_row

from .. import services
from ..forms_roster import SessionForm
from ..models import Attendance, AttendanceEvent
from ..permissions import edition_for
from ..services.roster import checklist

# A checklist this long still fits a phone: beyond, it is paged (a thousand boxes are slow to load and to tick).
CHECKLIST_PER_PAGE = 100

# One person of the checklist. Written by format_row (malisig.markup) rather than by the template's loop: at a hundred
# boxes a page, the template engine's cost per variable was most of the page's rendering.
_CHECKBOX = (
    '<li class="list-group-item"><div class="form-check mb-0">'
    '<input type="hidden" name="shown" value="{pk}">'
    '<input class="form-check-input" type="checkbox" name="present" value="{pk}" id="present-{pk}"{checked}>'
    '<label class="form-check-label w-100" for="present-{pk}">{name}{organisation}</label>'
    "</div></li>"
)
_ORGANISATION = ' <span class="small text-body-secondary">· {name}</span>'


def _checkbox(enrolment, ticked: bool) -> str:
    """The checklist's box for one person (its hidden `shown` field says the box was on the page saved)."""
    organisation = enrolment.person_organisation
    return format_row(
        _CHECKBOX,
        pk=enrolment.pk,
        checked=" checked" if ticked else "",
        name=str(enrolment.user),
        organisation=format_row(_ORGANISATION, name=organisation) if organisation else "",
    )


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


def _checklist_query(request, *names: str) -> str:
    """The checklist's search and page, for links and the redirect after saving."""
    params = QueryDict(mutable=True)
    for name in names:
        if request.GET.get(name):
            params[name] = request.GET[name]
    return params.urlencode()


@login_required
def attendance_take(request, slug, event_pk):
    """The checklist, a page at a time: one checkbox per expected person, the page saved at once.

    `?q=` searches it, `?page=` pages it, `?tick=all|none` pre-ticks or clears every box of the page. Saving marks the
    people of the page only (their ids come back in hidden fields): the other pages keep their marks.
    """
    edition = edition_for(request, slug, "cohorts.take_attendance")
    event = get_object_or_404(
        AttendanceEvent.objects.filter(edition=edition)
        .select_related("masterclass")
        # Whether any mark was saved: an EXISTS stops at the first one, where a count reads them all.
        .annotate(recorded=Exists(Attendance.objects.filter(event=OuterRef("pk")))),
        pk=event_pk,
    )
    event.edition = edition  # read already
    here = reverse("cohorts:attendance_take", args=[edition.slug, event.pk])
    if request.method == "POST":
        saved = services.record_attendance(
            event, request.POST.getlist("present"), by=request.user, shown_ids=request.POST.getlist("shown")
        )
        messages.success(
            request,
            _("Attendance saved: %(present)d present, %(absent)d absent.")
            % {"present": saved.present, "absent": saved.absent},
        )
        query = _checklist_query(request, "q", "page")
        return redirect(f"{here}?{query}" if query else here)
    search = request.GET.get("q", "")[:100]
    page = checklist(event, search=search, number=request.GET.get("page"), per_page=CHECKLIST_PER_PAGE)
    tick = request.GET.get("tick")
    rows = [(enrolment, mark, {"all": True, "none": False}.get(tick, bool(mark))) for enrolment, mark in page]
    # One variable for the template rather than one per box: its loop cost more than writing the boxes.
    boxes = SafeString("".join(_checkbox(enrolment, ticked) for enrolment, _mark, ticked in rows))
    context = {
        "edition": edition,
        "event": event,
        "rows": rows,
        "boxes": boxes,
        "page": page,
        "search": search,
        "query": _checklist_query(request, "q", "page"),
        "search_query": _checklist_query(request, "q"),
        "recorded": event.recorded,
        "overridden": tick in ("all", "none"),
    }
    return render(request, "cohorts/attendance_take.html", context)

"""The roster of an edition: search, filters, bulk actions, exports, and adding someone by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from malisig.exports import csv_response, xlsx_response
from malisig.markup import format_row

from .. import services
from ..forms_roster import ParticipantAddForm, RosterActionForm, RosterFilterForm
from ..models import Enrolment
from ..permissions import edition_for
from ..services.roster import roster_page

ROSTER_PER_PAGE = 50
# The sortable columns: the first click sorts this way, the second reverses.
SORTABLE = {"name": "name", "status": "status", "grade": "-grade", "attendance": "-attendance"}


# The status badge of a roster row, by enrolment status.
BADGES = {
    Enrolment.Status.ACTIVE: "text-bg-success",
    Enrolment.Status.COMPLETED: "text-bg-success",
    Enrolment.Status.ADMITTED: "text-bg-primary",
    Enrolment.Status.INVITED: "text-bg-primary",
    Enrolment.Status.WITHDRAWN: "text-bg-secondary",
}
OTHER_BADGE = "text-bg-light border"
_PK_MARK = 987654321


# One row of the roster's table. Written by format_row (malisig.markup) rather than by the template's loop: at fifty
# rows a page, the template engine's cost per variable was most of the page's rendering.
_ROW = (
    "<tr>"
    '<td><input class="form-check-input" type="checkbox" name="selected" value="{pk}"'
    ' aria-label="{select} {name}"></td>'
    '<td><a href="{url}">{name}</a><br><span class="text-body-secondary">{email}</span></td>'
    '<td><span class="badge {badge}">{status}</span></td>'
    "<td>{eligibility}</td>"
    '<td class="text-end">{grade}</td>'
    "<td>{organisation}</td>"
    "<td>{country}</td>"
    "<td>{gender}</td>"
    "{group}"
    '<td class="text-end">{attendance}</td>'
    "</tr>"
)
_WHY_NOT = '{label}<br><span class="text-body-secondary">{reason}</span>'
_GROUP = "<td>{name}</td>"


def _with_display(rows, slug: str, *, show_groups: bool):
    """Each row of the page with `html`, its row of the table (_ROW), computed once per page where it can be.

    The profile address comes from one reverse() (the pk pasted in), the status label from one translation of each
    status, the badge from BADGES, the grade as the filter floatformat:"-2" writes it ("8.50", "12", in the
    language's format), once per grade of the page.
    """
    prefix, suffix = reverse("cohorts:participant_profile", args=[slug, _PK_MARK]).rsplit(str(_PK_MARK), 1)
    labels = {status: str(label) for status, label in Enrolment.Status.choices}
    select, eligible, not_eligible = _("Select"), _("Eligible"), _("Not eligible")
    grades = {None: "—"}
    for row in rows:
        if row.eligible:
            eligibility = eligible
        elif row.eligibility_reason:
            eligibility = format_row(_WHY_NOT, label=not_eligible, reason=row.eligibility_reason)
        else:
            eligibility = not_eligible
        if row.grade not in grades:
            grades[row.grade] = floatformat(row.grade, "-2")
        row.html = format_row(
            _ROW,
            pk=row.pk,
            select=select,
            name=str(row.user),
            url=f"{prefix}{row.pk}{suffix}",
            email=row.user.email,
            badge=BADGES.get(row.status, OTHER_BADGE),
            status=labels.get(row.status, row.status),
            eligibility=eligibility,
            grade=grades[row.grade],
            organisation=row.person_organisation,
            country=row.person_country,
            gender=row.gender_label,
            group=format_row(_GROUP, name=row.group_name or "—") if show_groups else "",
            attendance="—" if row.attendance_rate is None else f"{row.attendance_rate} %",
        )
        yield row


def _filter_form(request, edition) -> RosterFilterForm:
    return RosterFilterForm(
        request.GET, countries=services.roster_countries(edition), groups=services.roster_groups(edition)
    )


def _filtered(request, edition):
    form = _filter_form(request, edition)
    filters = form.filters()
    return form, filters, services.roster(edition, **filters)


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _sort_links(request, current: str) -> dict[str, dict]:
    base = _query_without(request, "page", "sort")
    links = {}
    for column, first in SORTABLE.items():
        reverse_ = first[1:] if first.startswith("-") else f"-{first}"
        target = reverse_ if current == first else first
        arrow = "" if current not in (first, reverse_) else ("▼" if current.startswith("-") else "▲")
        links[column] = {"url": f"?{base}&sort={target}" if base else f"?sort={target}", "arrow": arrow}
    return links


@login_required
def roster(request, slug):
    edition = edition_for(request, slug, "cohorts.view_roster")
    form = _filter_form(request, edition)
    filters = form.filters()
    # Only the page's rows are read with their group and attendance, in the same queries whatever the data.
    page = roster_page(edition, number=request.GET.get("page"), per_page=ROSTER_PER_PAGE, **filters)
    held = services.held_session_count(edition)
    show_groups = bool(form.fields["group"].choices[1:-1])
    rows = services.with_rates(page.object_list, held)
    page.object_list = list(_with_display(rows, edition.slug, show_groups=show_groups))
    # One variable for the template rather than one per row: its loop cost more than writing the rows.
    rows_html = SafeString("".join(row.html for row in page.object_list))
    context = {
        "edition": edition,
        "form": form,
        "page": page,
        "rows_html": rows_html,
        "held_sessions": held,
        "sort_links": _sort_links(request, filters["sort"]),
        "query": _query_without(request, "page"),
        "filtered": any(value for name, value in request.GET.items() if name not in ("page", "sort")),
        "show_groups": show_groups,
    }
    return render(request, "cohorts/roster.html", context)


@require_POST
@login_required
def roster_action(request, slug):
    """The roster's bulk buttons (one form around the table: works without JavaScript)."""
    edition = edition_for(request, slug, "cohorts.view_roster")
    back = redirect(f"{reverse('cohorts:roster', args=[slug])}?{request.GET.urlencode()}")
    form = RosterActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    action, selected, reason = (form.cleaned_data[name] for name in ("action", "selected", "reason"))
    if action in (form.INVITE, form.INVITE_ADMITTED):
        ids = selected if action == form.INVITE else services.admitted_enrolment_ids(edition)
        _invite(request, edition, ids)
    elif action == form.ADMIT:
        outcome = services.admit_enrolments_by_hand(edition, selected, by=request.user, reason=reason)
        _report(request, outcome, done=gettext_lazy("Admitted by hand: %(names)s."))
    else:
        outcome = services.withdraw_enrolments(edition, selected, by=request.user, reason=reason)
        _report(request, outcome, done=gettext_lazy("Withdrawn: %(names)s."))
    return back


def _invite(request, edition, ids: list[int]) -> None:
    queued = services.invite_participants(edition, ids, by=request.user)
    if queued:
        messages.success(
            request,
            ngettext("%(count)d invitation is being sent.", "%(count)d invitations are being sent.", queued)
            % {"count": queued},
        )
    skipped = len(ids) - queued
    if skipped:
        messages.info(
            request,
            ngettext(
                "%(count)d person was skipped: only admitted or invited people can be invited.",
                "%(count)d people were skipped: only admitted or invited people can be invited.",
                skipped,
            )
            % {"count": skipped},
        )
    if not ids:
        messages.info(request, _("Nobody is waiting for an invitation."))


def _names(enrolments: list[Enrolment], shown: int = 5) -> str:
    names = [str(enrolment.user) for enrolment in enrolments[:shown]]
    if len(enrolments) > shown:
        names.append(_("and %(count)d more") % {"count": len(enrolments) - shown})
    return ", ".join(names)


def _report(request, outcome: services.BulkOutcome, *, done) -> None:
    if outcome.done:
        messages.success(request, done % {"names": _names(outcome.done)})
    if outcome.refused:
        messages.warning(
            request,
            _("Not changed, as their status does not allow it: %(names)s.") % {"names": _names(outcome.refused)},
        )


def _export_header():
    return [
        _("Last name"),
        _("First name"),
        _("Email address"),
        _("Status"),
        _("Eligible"),
        _("Why not eligible"),
        _("Final grade"),
        _("Course completed"),
        _("Completion date"),
        _("Gender"),
        _("Country"),
        _("City"),
        _("Organisation"),
        _("Sector of origin"),
        _("Job title"),
        _("Phone"),
        _("Group"),
        _("Attendance (%)"),
        _("Enrolled at"),
    ]


def _export_rows(enrolments, held: int):
    for row in services.with_rates(enrolments, held):
        yield [
            row.user.last_name,
            row.user.first_name,
            row.user.email,
            row.get_status_display(),
            row.eligible,
            row.eligibility_reason,
            row.grade,
            row.completed_course,
            row.completion_date,
            row.gender_label,
            row.person_country,
            row.person_city,
            row.person_organisation,
            row.person_sector,
            row.person_job_title,
            row.person_phone,
            row.group_name or "",
            row.attendance_rate,
            row.created_at,
        ]


EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}


@login_required
def roster_export(request, slug):
    """The filtered roster as CSV (streamed) or XLSX: `?format=csv|xlsx` plus the roster's own filters."""
    edition = edition_for(request, slug, "cohorts.view_roster")
    exporter = EXPORTERS.get(request.GET.get("format", ""))
    if exporter is None:
        raise Http404
    _form, _filters, enrolments = _filtered(request, edition)
    held = services.held_session_count(edition)
    filename = f"{edition.slug}-participants-{timezone.localdate():%Y-%m-%d}.{request.GET['format']}"
    rows = _export_rows(enrolments.iterator(chunk_size=500), held)
    return exporter(filename, _export_header(), rows)


@login_required
def participant_add(request, slug):
    edition = edition_for(request, slug, "cohorts.view_roster")
    form = ParticipantAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment, created = services.add_participant(edition, by=request.user, **form.cleaned_data)
        if created:
            messages.success(request, _("%(name)s was added to the roster, admitted.") % {"name": enrolment.user})
        else:
            messages.info(request, _("%(name)s was already in the roster: nothing changed.") % {"name": enrolment.user})
        return redirect("cohorts:participant_profile", slug=edition.slug, pk=enrolment.pk)
    return render(request, "cohorts/roster_add.html", {"edition": edition, "form": form})

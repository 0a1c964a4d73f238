"""The edition's dashboard for its organisers: the funnel, the groups' progress, the jury's."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cohorts.permissions import edition_for
from malisig.markup import format_row

from ..charts import bar_chart_svg
from ..services.dashboard import GROUP_SORTS, dashboard_changed, edition_dashboard, sort_groups

PERM = "cockpit.view_dashboard"
# Groups per page: the whole edition is counted, a page of rows is written (readable on a phone).
GROUPS_PER_PAGE = 50


@never_cache
@login_required
@require_GET
def dashboard(request, slug):
    edition = edition_for(request, slug, PERM)
    if request.GET.get("fresh"):
        dashboard_changed()  # "read afresh": the figures cached for everyone are read again
    board = edition_dashboard(edition)
    rows, sort = sort_groups(board.groups, request.GET.get("sort"))
    page = Paginator(rows, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    page.rows_html = _rows_html(page.object_list)
    funnel_chart = bar_chart_svg(
        [(step.label, step.count) for step in board.funnel],
        title=_("From the course to the certificate"),
        maximum=board.funnel[0].count or None,
        notes=[f"{step.percent} %" if step.percent is not None else "" for step in board.funnel],
    )
    context = {
        "edition": edition,
        "board": board,
        "funnel_chart": funnel_chart,
        "page": page,
        "sort": sort,
        # Each column's link: its sort, or the reverse when already sorted by it.
        "sort_links": {key: f"-{key}" if sort == key else key for key in GROUP_SORTS},
        "extra": f"sort={sort}" if sort else "",
    }
    return render(request, "cockpit/dashboard.html", context)


# One row of the groups' table, written by format_row (malisig.markup) rather than by the template's loop: the
# template engine's cost per variable was most of the page's rendering (as the roster found).
_ROW = (
    '<tr data-testid="group" data-group="{pk}">'
    '<td>{name}<br><span class="small text-body-secondary">{type}</span></td>'
    '<td class="text-end">{members}</td>'
    '<td class="text-end" data-testid="started">{started} / {total}</td>'
    '<td class="text-end" data-testid="ready">{ready} / {total}</td>'
    '<td class="text-end" data-testid="words">{words}</td>'
    '<td class="small">{activity}</td>'
    '<td class="small" data-testid="days">{days}</td>'
    "<td>{state}</td>"
    "</tr>"
)
_LATE = '<span class="text-danger">{late}</span>'
_STATE = '<span class="badge text-bg-secondary">{label}</span>'
_NO_STATE = '<span class="small text-body-secondary">{label}</span>'


def _rows_html(rows) -> SafeString:
    """The page's rows; what recurs (a number of days, the date format) is worked out once."""
    date_format = get_format("SHORT_DATETIME_FORMAT")
    whens: dict[int | None, str] = {}
    lines = []
    for row in rows:
        days = row.days_to_deadline
        if days not in whens:
            whens[days] = _when(days)
        activity = dateformat.format(localtime(row.last_activity), date_format) if row.last_activity else "—"
        lines.append(
            format_row(
                _ROW,
                pk=row.group_id,
                name=row.name,
                type=row.stakeholder_type.tr.name,
                members=row.members,
                started=row.sections_started,
                ready=row.sections_ready,
                total=row.sections_total,
                words=row.words,
                activity=activity,
                days=whens[days],
                state=format_row(_STATE if row.submission_state else _NO_STATE, label=row.submission_label),
            )
        )
    return SafeString("\n".join(lines))


def _when(days: int | None) -> str:
    if days is None:
        return "—"
    if days > 0:
        return ngettext("in %(count)d day", "in %(count)d days", days) % {"count": days}
    if days == 0:
        return _("today")
    return format_row(_LATE, late=ngettext("%(count)d day ago", "%(count)d days ago", -days) % {"count": -days})

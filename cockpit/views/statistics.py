"""Statistics across a school's editions, for its organisers and site staff: charts, a table, CSV and XLSX."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cohorts.models import School
from malisig.exports import csv_response, xlsx_response

from ..charts import bar_chart_svg, column_chart_svg, stacked_bar_svg
from ..services.statistics import (
    TABLE_HEADER,
    school_statistics,
    table_rows,
    top_items,
)

EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}


@never_cache
@login_required
@require_GET
def statistics(request, school_slug):
    school = get_object_or_404(School, slug=school_slug)
    if not request.user.has_perm("cockpit.view_statistics", school):
        raise PermissionDenied
    stats = school_statistics(school)
    export = request.GET.get("format")
    if export:
        exporter = EXPORTERS.get(export)
        if exporter is None:
            raise Http404
        filename = f"{school.slug}-statistiques-{timezone.localdate():%Y-%m-%d}.{export}"
        kwargs = {"sheet_title": school.acronym} if export == "xlsx" else {}
        return exporter(filename, TABLE_HEADER, table_rows(stats), **kwargs)
    context = {"school": school, "stats": stats, "rows": table_rows(stats), "header": TABLE_HEADER, **_charts(stats)}
    return render(request, "cockpit/statistics.html", context)


def _charts(stats) -> dict:
    labels = [str(row.edition.year) if row.edition.year else row.edition.title for row in stats.editions]
    # Two editions the same year: tell them apart by their number.
    if len(set(labels)) < len(labels):
        labels = [f"{row.edition.year} #{row.edition.number}" for row in stats.editions]
    others, not_stated = _("Others"), _("Not stated")
    titles = {
        "participants": _("Participants per edition"),
        "completion": _("Completion rate per edition"),
        "submission": _("Submission rate per edition (groups)"),
        "gender": _("Gender balance per edition"),
        "countries": _("Countries of origin"),
        "sectors": _("Sectors of origin"),
    }
    charts = {
        "participants": column_chart_svg(
            [(label, row.people.participants) for label, row in zip(labels, stats.editions, strict=True)],
            title=titles["participants"],
        ),
        "completion": column_chart_svg(
            [(label, _rate(row.people.completion_rate)) for label, row in zip(labels, stats.editions, strict=True)],
            title=titles["completion"],
            unit="%",
            line=True,
        ),
        "submission": column_chart_svg(
            [(label, _rate(row.submission_rate)) for label, row in zip(labels, stats.editions, strict=True)],
            title=titles["submission"],
            unit="%",
            line=True,
        ),
        "gender": stacked_bar_svg(
            [
                (label, [row.people.women, row.people.men, row.people.other_gender, row.people.gender_not_stated])
                for label, row in zip(labels, stats.editions, strict=True)
            ],
            series=[_("Women"), _("Men"), _("Other"), _("Not stated")],
            title=titles["gender"],
            percent=True,
        ),
        "countries": bar_chart_svg(
            top_items(stats.countries, others=others, not_stated=not_stated), title=titles["countries"]
        ),
        "sectors": bar_chart_svg(
            top_items(stats.sectors, others=others, not_stated=not_stated), title=titles["sectors"]
        ),
    }
    order = ["participants", "gender", "completion", "submission", "countries", "sectors"]
    return {"charts": [(name, titles[name], charts[name]) for name in order]}


def _rate(value: float | None) -> float:
    return round(value * 100, 1) if value is not None else 0

"""The reports page of an edition (proceedings, report for sponsors) and the downloads, for its organisers.

The page shows, per report and format, the file of the current version: ready (download), being built (reload), or
not built yet (build). Building goes through Celery; with an eager worker (no broker) the file is ready at once.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cohorts.models import Edition
from cohorts.permissions import edition_for
from malisig.uploads import attachment_headers

from ..models import Report
from ..services import reports as service

LANGUAGES = ("fr", "en")


def _language(value: str | None) -> str:
    value = (value or "")[:2]
    return value if value in LANGUAGES else (get_language() or "fr")[:2]


def _page_url(edition, language: str) -> str:
    return f"{reverse('cockpit:reports', args=[edition.slug])}?langue={language}"


@never_cache
@login_required
@require_GET
def reports(request, slug):
    edition = edition_for(request, slug, service.PERM)
    language = _language(request.GET.get("langue"))
    current = service.current_reports(edition, language)
    rows = [
        {
            "kind": kind,
            "label": label,
            "formats": [
                {
                    "format": fmt,
                    "label": fmt_label,
                    "report": current[(kind, fmt)],
                    "state": _state(current[(kind, fmt)]),
                }
                for fmt, fmt_label in Report.Format.choices
            ],
        }
        for kind, label in Report.Kind.choices
    ]
    context = {
        "edition": edition,
        "rows": rows,
        "language": language,
        "languages": [(code, name) for code, name in settings.LANGUAGES if code in LANGUAGES],
        "published": service.published_count(edition),
    }
    return render(request, "cockpit/reports.html", context)


def _state(report: Report | None) -> str:
    if report is None:
        return "missing"
    if report.file:
        return "ready"
    if report.error or service.is_stale(report):
        return "failed"
    return "building"


@login_required
@require_POST
def report_build(request, slug):
    edition = edition_for(request, slug, service.PERM)
    language = _language(request.POST.get("language"))
    kind, fmt = request.POST.get("kind", ""), request.POST.get("format", "")
    if kind not in Report.Kind.values or fmt not in Report.Format.values:
        messages.error(request, _("Choose a report and a format."))
        return redirect(_page_url(edition, language))
    report = service.request_report(edition, kind, fmt, by=request.user, language=language)
    report.refresh_from_db()  # an eager worker has built it already
    if report.file:
        messages.success(request, _("The file is ready."))
    elif report.error:
        messages.error(request, _("The file could not be built: %(error)s") % {"error": report.error})
    else:
        messages.info(request, _("The file is being prepared: reload this page in a moment."))
    return redirect(_page_url(edition, language))


@never_cache
@login_required
@require_GET
def report_download(request, slug, pk):
    edition = edition_for(request, slug, service.PERM)
    report = get_object_or_404(Report.objects.select_related("edition"), edition=edition, pk=pk)
    if not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=service.CONTENT_TYPES[Report.Format(report.format)])
    attachment_headers(response, service.report_filename(report))
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_GET
def public_proceedings(request, slug):
    """The published proceedings (PDF) of a public edition, to anyone; while it is being built, a page that reloads
    itself (no script)."""
    edition = get_object_or_404(Edition.objects.select_related("school"), slug=slug)
    report = service.public_proceedings(edition, _language(None))
    if report is None:
        raise Http404
    report.refresh_from_db()  # an eager worker has built it already
    if not report.file:
        context = {"edition": edition, "failed": bool(report.error)}
        return render(request, "cockpit/reports_public_pending.html", context, status=200)
    try:
        handle = report.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="application/pdf")
    attachment_headers(response, service.report_filename(report))
    return response

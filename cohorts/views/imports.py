"""The four steps of an import: upload, map columns, preview (dry run), apply; then the rejected lines."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from malisig.exports import csv_response
from malisig.ratelimit import rate_limited

from ..forms_imports import MappingForm, UploadForm
from ..models import ImportJob, ImportRow
from ..permissions import edition_for
from ..services import imports

RUNNING = {ImportJob.Status.PREVIEWING, ImportJob.Status.APPLYING}
ROWS_PER_PAGE = 50


def _job_for(request, slug: str, pk: int) -> ImportJob:
    edition = edition_for(request, slug, "cohorts.import_participants")
    return get_object_or_404(ImportJob.objects.select_related("edition", "created_by"), edition=edition, pk=pk)


@login_required
@rate_limited("upload")
def import_start(request, slug):
    edition = edition_for(request, slug, "cohorts.import_participants")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.start_import(edition, form.cleaned_data["file"], by=request.user)
        except imports.ImportRefused as problem:
            form.add_error("file", problem.message)
        else:
            return redirect("cohorts:import_mapping", slug=slug, pk=job.pk)
    past = edition.imports.select_related("created_by")[:20]
    return render(request, "cohorts/import_start.html", {"edition": edition, "form": form, "past": past})


@login_required
def import_mapping(request, slug, pk):
    job = _job_for(request, slug, pk)
    form = MappingForm(request.POST or None, headers=job.headers, initial_mapping=job.mapping)
    if request.method == "POST" and form.is_valid():
        imports.save_mapping(job, form.mapping(), by=request.user)
        imports.queue_run(job, dry_run=True, by=request.user)
        return redirect("cohorts:import_detail", slug=slug, pk=job.pk)
    return render(request, "cohorts/import_mapping.html", {"edition": job.edition, "job": job, "form": form})


@login_required
def import_detail(request, slug, pk):
    """Progress while it runs (the page refreshes itself), then the row-by-row outcome."""
    job = _job_for(request, slug, pk)
    shown = request.GET.get("outcome", "")
    rows = job.rows.all()
    if shown in ImportRow.Outcome.values:
        rows = rows.filter(outcome=shown)
    context = {
        "edition": job.edition,
        "job": job,
        "running": job.status in RUNNING,
        "percent": round(100 * job.rows_done / job.rows_total) if job.rows_total else 0,
        "page": Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page")),
        "shown": shown,
        "outcomes": ImportRow.Outcome.choices,
    }
    return render(request, "cohorts/import_detail.html", context)


@require_POST
@login_required
def import_apply(request, slug, pk):
    job = _job_for(request, slug, pk)
    if job.status != ImportJob.Status.PREVIEWED:
        messages.info(request, _("This import is not waiting to be applied."))
    else:
        imports.queue_run(job, dry_run=False, by=request.user)
    return redirect("cohorts:import_detail", slug=slug, pk=job.pk)


@login_required
def import_rejected_csv(request, slug, pk):
    job = _job_for(request, slug, pk)
    rows = job.rows.filter(outcome=ImportRow.Outcome.REJECTED).values_list("line", "reason").iterator()
    return csv_response(f"rejets-{job.pk}.csv", [_("Line"), _("Reason")], rows)

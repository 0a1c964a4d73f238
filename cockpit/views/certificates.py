"""Certificates: the organisers' page (rules, who qualifies and why not, issuing, progress, the issued list,
revoking), a person's own certificates and their download, and the public check of a code (no login).

The public pages say only whether a code is valid: a valid code shows the name, the edition, the kind and the date
of issue; an unknown or revoked code shows the same "not valid" page, with status 404, and nothing else.
Files are served through `certificate_download` only (owner while valid, or the edition's organisers), as
attachments with nosniff.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts.permissions import edition_for
from malisig.uploads import attachment_headers

from ..forms_certificates import CertificateRulesForm, IssueForm, RevokeForm, VerifyForm
from ..models import Certificate, CertificateBatch
from ..services import certificates as service

MANAGE = service.MANAGE
Kind = Certificate.Kind
ROWS_PER_PAGE = 50
TABS = ("participants", "jury", "issued")
SHOWN = ("qualifying", "not_qualifying", "certified", "waiting")
ISSUED_SHOWN = ("valid", "revoked")
RUNNING = {CertificateBatch.Status.QUEUED, CertificateBatch.Status.RUNNING}
RECENT_BATCHES = 5
STALLED_AFTER = timedelta(hours=1)


def _manage_url(edition, **query) -> str:
    url = reverse("cockpit:certificates", kwargs={"slug": edition.slug})
    extra = "&".join(f"{key}={value}" for key, value in query.items() if value)
    return f"{url}?{extra}" if extra else url


def _shown(standings: list, shown: str) -> list:
    if shown == "qualifying":
        return [standing for standing in standings if standing.qualifies]
    if shown == "not_qualifying":
        return [standing for standing in standings if not standing.qualifies]
    if shown == "certified":
        return [standing for standing in standings if standing.certificate]
    if shown == "waiting":
        return [standing for standing in standings if standing.qualifies and not standing.certificate]
    return standings


def _counts(standings: list) -> dict:
    qualifying = sum(1 for standing in standings if standing.qualifies)
    certified = sum(1 for standing in standings if standing.certificate)
    waiting = sum(1 for standing in standings if standing.qualifies and not standing.certificate)
    return {
        "all": len(standings),
        "qualifying": qualifying,
        "not_qualifying": len(standings) - qualifying,
        "certified": certified,
        "waiting": waiting,
    }


def _render_manage(request, edition, rules_form: CertificateRulesForm, status: int = 200):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "participants"
    show = request.GET.get("show", "")
    shown = show if show in (ISSUED_SHOWN if tab == "issued" else SHOWN) else ""
    # The saved rules, not the form's instance: a refused form must not change who is shown as qualifying.
    participants = service.participant_standings(edition, service.rules_for(edition))
    jury = service.juror_standings(edition)
    batches = list(CertificateBatch.objects.filter(edition=edition).select_related("created_by")[:RECENT_BATCHES])
    stale_before = timezone.now() - STALLED_AFTER
    for batch in batches:
        batch.percent = round(100 * batch.done / batch.total) if batch.total else 100
        # A worker lost for good leaves its batch "running": stop reloading, and say that issuing again finishes.
        batch.stalled = batch.status in RUNNING and batch.created_at < stale_before
    context = {
        "edition": edition,
        "rules_form": rules_form,
        "tab": tab,
        "shown": shown,
        "counts": {"participants": _counts(participants), "jury": _counts(jury)},
        "batches": batches,
        "running": any(batch.status in RUNNING and not batch.stalled for batch in batches),
        "issue_forms": {
            "participants": IssueForm(initial={"kind": Kind.PARTICIPATION}),
            "jury": IssueForm(initial={"kind": Kind.CONTRIBUTION}),
        },
        "no_sessions": bool(participants) and not participants[0].sessions,
    }
    if tab == "issued":
        issued = Certificate.objects.filter(edition=edition).select_related("revoked_by").order_by("full_name", "pk")
        if shown:
            issued = issued.filter(revoked_at__isnull=shown == "valid")
        context["page"] = Paginator(issued, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    else:
        rows = _shown(participants if tab == "participants" else jury, shown)
        context["page"] = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context["pagination_extra"] = f"tab={tab}" + (f"&show={shown}" if shown else "")
    return render(request, "cockpit/certificates_manage.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def certificates(request, slug):
    """GET: the rules, who qualifies (and why not), the batches' progress, the lists. POST: save the rules."""
    edition = edition_for(request, slug, MANAGE)
    rules = service.rules_for(edition)
    if request.method == "GET":
        return _render_manage(request, edition, CertificateRulesForm(instance=rules))
    form = CertificateRulesForm(request.POST, instance=rules)
    if not form.is_valid():
        return _render_manage(request, edition, form, status=400)
    service.save_rules(edition, form.cleaned_data, by=request.user)
    messages.success(request, _("The certificate rules were saved."))
    return redirect(_manage_url(edition))


@login_required
@require_POST
def certificates_issue(request, slug):
    edition = edition_for(request, slug, MANAGE)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to issue again."))
        return redirect(_manage_url(edition))
    kind = form.cleaned_data["kind"]
    tab = "jury" if kind == Kind.CONTRIBUTION else "participants"
    try:
        batch = service.issue_certificates(edition, kind, by=request.user, language=form.cleaned_data["language"])
    except service.NothingToIssue:
        messages.info(request, _("Nobody is waiting for a certificate: everyone who qualifies already has one."))
        return redirect(_manage_url(edition, tab=tab))
    messages.success(
        request,
        ngettext("%(count)s certificate is being issued.", "%(count)s certificates are being issued.", batch.total)
        % {"count": batch.total},
    )
    return redirect(_manage_url(edition, tab=tab))


@login_required
@require_http_methods(["GET", "POST"])
def certificate_revoke(request, slug, pk):
    edition = edition_for(request, slug, MANAGE)
    certificate = get_object_or_404(Certificate.objects.filter(edition=edition), pk=pk)
    if not certificate.is_valid:
        messages.info(request, _("This certificate is already revoked."))
        return redirect(_manage_url(edition, tab="issued"))
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.revoke_certificate(certificate, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The certificate %(code)s was revoked.") % {"code": certificate.code})
            return redirect(_manage_url(edition, tab="issued"))
    status = 400 if request.method == "POST" else 200
    context = {"edition": edition, "certificate": certificate, "form": form}
    return render(request, "cockpit/certificates_revoke.html", context, status=status)


@never_cache
@login_required
@require_GET
def certificate_download(request, slug, pk):
    """The PDF, to its owner while valid and to the edition's organisers; looked up inside the edition."""
    certificate = get_object_or_404(Certificate.objects.select_related("edition"), edition__slug=slug, pk=pk)
    if not request.user.has_perm("cockpit.download_certificate", certificate):
        raise PermissionDenied
    if not certificate.file:
        raise Http404
    try:
        handle = certificate.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="application/pdf")
    attachment_headers(response, service.certificate_file_name(certificate))
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_GET
def my_certificates(request, slug):
    """The person's own valid certificates in the edition, to download."""
    edition = edition_for(request, slug, "cohorts.view_edition")
    mine = Certificate.objects.filter(edition=edition, user=request.user, revoked_at__isnull=True).order_by("kind")
    return render(request, "cockpit/certificates_mine.html", {"edition": edition, "certificates": mine})


@never_cache
@require_GET
def verify_certificate_form(request):
    """Public: type a code, go to its verification page."""
    form = VerifyForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("cockpit:verify_certificate", code=form.cleaned_data["code"])
    return render(request, "cockpit/certificate_verify_form.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
@require_GET
def verify_certificate(request, code):
    """Public: a valid code shows who, which edition, which kind, when; anything else the same "not valid" page."""
    certificate = service.verify_code(code)
    if certificate is None:
        return render(request, "cockpit/certificate_verify_invalid.html", status=404)
    if certificate.code != code:
        return redirect("cockpit:verify_certificate", code=certificate.code)
    return render(request, "cockpit/certificate_verify.html", {"certificate": certificate})

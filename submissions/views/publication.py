"""Publication: members' consent to print their names, the organiser's publishing page, the public pages of the
published documents (HTML, PDF, their images) and the side-by-side comparison for the jury and for the public.

Public pages need no login and show only published documents of a non-draft edition: anything else is a 404,
whatever id is guessed.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cohorts.models import Edition
from malisig.uploads import attachment_headers, safe_display_name

from ..models import GroupFile, Submission
from ..services import publication as service
from ..services.review import explain
from ..services.submission import InvalidTransition
from .workspace import VIEW, _group_for

CONFIGURE = "submissions.configure_review"
INLINE_IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


class NameConsentForm(forms.Form):
    publish_name = forms.TypedChoiceField(
        label=gettext_lazy("Print my name with the published document"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


# ---------------------------------------------------------------------------
# Members: name consent


@login_required
@require_POST
def name_consent(request, slug, group_pk):
    group = _group_for(request, slug, group_pk, VIEW)
    form = NameConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether your name is printed."))
    else:
        consent = service.set_name_consent(group, by=request.user, publish_name=form.cleaned_data["publish_name"])
        if consent.publish_name:
            messages.success(request, _("Your name will be printed with the published document."))
        else:
            messages.success(request, _("Your name will not be printed with the published document."))
    latest = group.submissions.order_by("-number").values_list("number", flat=True).first()
    if latest is None:
        return redirect("submissions:submission", group.edition.slug, group.pk)
    return redirect("submissions:submission_detail", group.edition.slug, group.pk, latest)


def name_consent_context(group, user) -> dict:
    """What the partial _name_consent.html needs (empty for anyone but a member of the group)."""
    if not service.is_member(group, user):
        return {}
    consent = service.consent_of(group, user)
    return {"name_consent": {"answered": consent is not None, "publish_name": bool(consent and consent.publish_name)}}


# ---------------------------------------------------------------------------
# Organisers: publishing


def _edition_for(request, slug: str, perm: str = CONFIGURE) -> Edition:
    edition = get_object_or_404(Edition.objects.select_related("school"), slug=slug)
    if not request.user.has_perm(perm, edition):
        raise PermissionDenied
    return edition


def _manage_page(request, edition: Edition, status: int = 200, error: str = ""):
    candidates = service.publication_candidates(edition)
    context = {
        "edition": edition,
        "candidates": candidates,
        "publishable": [s for s in candidates if s.state in service.PUBLISHABLE],
        "error": error,
    }
    return render(request, "submissions/published_manage.html", context, status=status)


@never_cache
@login_required
@require_GET
def publication_manage(request, slug):
    return _manage_page(request, _edition_for(request, slug))


@login_required
@require_POST
def publish_one(request, slug, pk):
    edition = _edition_for(request, slug)
    submission = get_object_or_404(Submission.objects.filter(group__edition=edition).select_related("group"), pk=pk)
    submission.group.edition = edition
    try:
        service.publish_submission(submission, by=request.user)
    except InvalidTransition as error:
        return _manage_page(request, edition, status=409, error=f"{submission.group.name}: {explain(error)}")
    messages.success(request, _("“%(group)s” is published.") % {"group": submission.group.name})
    return redirect("submissions:publication_manage", edition.slug)


@login_required
@require_POST
def publish_all(request, slug):
    edition = _edition_for(request, slug)
    published = service.publish_all_accepted(edition, by=request.user)
    if published:
        messages.success(request, _("%(count)d documents published.") % {"count": len(published)})
    else:
        messages.info(request, _("No accepted document was waiting to be published."))
    return redirect("submissions:publication_manage", edition.slug)


# ---------------------------------------------------------------------------
# The public


def _public_edition(slug: str) -> Edition:
    return get_object_or_404(service.public_editions().select_related("school"), slug=slug)


def _published(edition: Edition, pk: int) -> Submission:
    submission = get_object_or_404(
        service.published_submissions(edition).select_related("group__stakeholder_type"), pk=pk
    )
    submission.group.edition = edition
    return submission


@require_GET
def published_list(request, slug):
    edition = _public_edition(slug)
    context = {"edition": edition, "published": list(service.published_submissions(edition))}
    return render(request, "submissions/published_list.html", context)


@require_GET
def published_detail(request, slug, pk):
    edition = _public_edition(slug)
    submission = _published(edition, pk)
    context = {
        "edition": edition,
        "submission": submission,
        "group": submission.group,
        "names": service.consenting_names(submission.group),
        "sections": service.public_sections(submission),
    }
    return render(request, "submissions/published_detail.html", context)


@require_GET
def published_pdf(request, slug, pk):
    edition = _public_edition(slug)
    submission = _published(edition, pk)
    stored = service.published_pdf(submission, (get_language() or "fr")[:2])
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="application/pdf")
    name = slugify(f"{edition.slug} {submission.group.name}") or str(submission.pk)
    attachment_headers(response, f"{name}.pdf")
    return response


@require_GET
def published_image(request, slug, pk, file_pk):
    """An image of a published document's sections (and only one its sections show), to anyone."""
    edition = _public_edition(slug)
    submission = _published(edition, pk)
    if file_pk not in service.image_ids(submission):
        raise Http404
    image = get_object_or_404(
        GroupFile.objects.filter(group=submission.group, role=GroupFile.Role.IMAGE, content_type__in=INLINE_IMAGES),
        pk=file_pk,
    )
    try:
        handle = image.file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=image.content_type)
    response["Content-Disposition"] = content_disposition_header(False, safe_display_name(image.display_name))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
def comparison_public(request, slug):
    edition = _public_edition(slug)
    comparison = service.public_comparison(edition, request.GET.get("q"))
    context = {"edition": edition, "comparison": comparison, "audience": "public"}
    return render(request, "submissions/comparison.html", context)


@never_cache
@login_required
@require_GET
def comparison_jury(request, slug):
    edition = get_object_or_404(Edition.objects.select_related("school"), slug=slug)
    comparison = service.jury_comparison(edition, by=request.user, q=request.GET.get("q"))
    context = {"edition": edition, "comparison": comparison, "audience": "jury"}
    return render(request, "submissions/comparison.html", context)

"""Pages anyone may read, without an account: a school and its editions. Draft editions stay hidden (404)."""

from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from malisig.uploads import image_kind

from .. import services
from ..models import Edition, Sponsor
from ..services.figures import PARTICIPANT_STATUSES, public_school_headline


def _published_editions():
    return Edition.objects.exclude(status=Edition.Status.DRAFT)


def school_public(request, school_slug):
    schools, headline_of = public_school_headline(school_slug, _published_editions())
    school = get_object_or_404(schools, slug=school_slug)
    editions = list(
        _published_editions()
        .filter(school=school)
        .annotate(participant_count=Count("enrolments", filter=Q(enrolments__status__in=PARTICIPANT_STATUSES)))
        .order_by("-year", "-number")
    )
    context = {
        "school": school,
        "editions": editions,
        "participant_total": sum(edition.participant_count for edition in editions),
        # Distinct people across the editions shown (one person may take part twice).
        "headline": headline_of(school, editions),
    }
    return render(request, "cohorts/public_school.html", context)


def edition_public(request, slug):
    edition = get_object_or_404(_published_editions().select_related("school"), slug=slug)
    sponsors = list(edition.sponsors.all())
    context = {
        "edition": edition,
        "school": edition.school,
        **services.timeline_context(edition),
        "sponsors": [sponsor for sponsor in sponsors if sponsor.kind == Sponsor.Kind.SPONSOR],
        "partners": [sponsor for sponsor in sponsors if sponsor.kind == Sponsor.Kind.PARTNER],
    }
    return render(request, "cohorts/public_edition.html", context)


LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


@require_safe
def sponsor_logo(request, slug, pk):
    """A sponsor's logo, read from the media storage (a folder nobody serves, or a private bucket) by the app."""
    sponsor = get_object_or_404(Sponsor.objects.filter(edition__in=_published_editions(), edition__slug=slug), pk=pk)
    if not sponsor.logo:
        raise Http404
    try:
        handle = sponsor.logo.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    kind = image_kind(handle.read(16))
    handle.seek(0)
    if kind not in LOGO_TYPES:
        handle.close()
        raise Http404
    response = FileResponse(handle, content_type=LOGO_TYPES[kind])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response

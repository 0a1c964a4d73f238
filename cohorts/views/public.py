"""Pages anyone may read, without an account: a school and its editions. Draft editions stay hidden (404)."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

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

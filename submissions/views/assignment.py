from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cohorts.permissions import edition_for

from ..models import Assignment


@login_required
def assignment_detail(request, slug):
    edition = edition_for(request, slug, "submissions.view_assignment")
    assignment = Assignment.objects.filter(edition=edition).prefetch_related("questions").first()
    return render(request, "submissions/assignment_detail.html", {"edition": edition, "assignment": assignment})

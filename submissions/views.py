from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from cohorts.models import Edition

from .models import Assignment


@login_required
def assignment_detail(request, slug):
    edition = get_object_or_404(Edition, slug=slug)
    if not request.user.has_perm("submissions.view_assignment", edition):
        raise PermissionDenied
    assignment = Assignment.objects.filter(edition=edition).prefetch_related("questions").first()
    return render(request, "submissions/assignment_detail.html", {"edition": edition, "assignment": assignment})

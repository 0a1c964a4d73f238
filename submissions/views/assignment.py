from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cohorts.permissions import edition_for

from .. import services
from ..models import Assignment, AssignmentSettings, SectionTemplate


@login_required
def assignment_detail(request, slug):
    edition = edition_for(request, slug, "submissions.view_assignment")
    assignment = Assignment.objects.filter(edition=edition).prefetch_related("questions").first()
    context = {"edition": edition, "assignment": assignment}
    if assignment is not None:
        submission_settings = AssignmentSettings.objects.filter(assignment=assignment).first()
        context.update(
            statement=services.rich_text(assignment.tr.statement),
            submission_settings=submission_settings,
            parts=SectionTemplate.objects.filter(assignment=assignment).order_by("position", "pk"),
            dates=_dates(submission_settings),
        )
    return render(request, "submissions/assignment_detail.html", context)


def _dates(submission_settings: AssignmentSettings | None) -> dict:
    """The edition's opening, deadline and cut-off (edition-wide extensions included), written in its time zone."""
    if submission_settings is None:
        return {}
    window = services.edition_window(submission_settings)
    zone = submission_settings.time_zone

    def written(moment):
        return services.format_in_zone(moment, zone) if moment else ""

    return {
        "opens": written(window.opens_at),
        "deadline": written(window.deadline),
        "cutoff": written(window.cutoff) if window.cutoff != window.deadline else "",
        "extended": window.deadline != submission_settings.deadline,
        "hard_stop": submission_settings.late_policy == AssignmentSettings.LatePolicy.HARD_STOP,
    }

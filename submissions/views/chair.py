"""The chair's side of the review: the progress board (per submission and per juror), reminders to late jurors,
starting the review, closing the round, decisions staged then released together, and the results with the ranking.

Every page asks submissions.chair_review on the edition; a decision also needs submissions.read_for_jury on the
group (a chair conflicted with a group neither reads nor decides on it). Refused actions answer 409 with the reason.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts.permissions import edition_for
from groups.models import Group

from ..forms_chair import DecisionForm, ReleaseForm
from ..models import ConflictOfInterest, Decision, Review, Submission
from ..services import review as review_service
from ..services import zone_of
from ..services.deadlines import window_for
from ..services.results import (
    chair_board,
    document_scores_of,
    exact,
    juror_loads,
    ranked_results,
    readable_groups,
)
from ..services.workspace import settings_for
from ..tasks import remind_jurors_task

CHAIR = "submissions.chair_review"
CONFIGURE = "submissions.configure_review"
READ = "submissions.read_for_jury"
# Rows per page of the results: they aggregate the whole edition in the database (the ranking needs every score) and
# read the groups of the page only. The board reads only its page's rows, each with its jurors: fewer a page, so
# that it renders quickly and stays readable on a phone.
ROWS_PER_PAGE = 50
BOARD_ROWS_PER_PAGE = 25


@never_cache
@login_required
@require_GET
def chair_dashboard(request, slug):
    edition = edition_for(request, slug, CHAIR)
    board = chair_board(edition, viewer=request.user, page=request.GET.get("page"), per_page=BOARD_ROWS_PER_PAGE)
    # Escaped once: the page's jurors and the states recur on every row.
    states = {state: (css, escape(str(label))) for state, (css, label) in REVIEWER_STATES.items()}
    names = {load.juror.pk: escape(str(load.juror)) for load in board.jurors}
    for row in board.page.object_list:
        row.reviewers_html = _reviewers_html(row.reviewers, names, states)
    context = {
        "edition": edition,
        "board": board,
        "page": board.page,
        # Each row links to its group's decision: the address without the group's number, reversed once.
        "decisions_url": reverse("submissions:chair_decision", args=[edition.slug, 0]).removesuffix("0/"),
        "round_open": review_service.round_is_open(board.review_settings),
        "deadline_passed": board.review_settings.review_deadline is not None
        and board.review_settings.review_deadline < timezone.now(),
    }
    return render(request, "submissions/chair_dashboard.html", context)


# How the board shows where each reviewer stands: (CSS class, label).
REVIEWER_STATES = {
    Review.State.SUBMITTED: ("text-success", pgettext_lazy("review state", "submitted")),
    Review.State.DRAFT: ("text-warning-emphasis", pgettext_lazy("review state", "draft")),
    "not_started": ("text-body-secondary", gettext_lazy("not started")),
}


def _reviewers_html(reviewers, names: dict[int, str], states: dict[str, tuple[str, str]]) -> str:
    """A board row's reviewers and where each stands, as one list, from the escaped `names` and `states`: built here
    once per row, it costs a fraction of a template loop over every reviewer of the page."""
    if not reviewers:
        return format_html(
            '<ul class="list-unstyled small mb-0"><li class="text-body-secondary">{}</li></ul>', _("No juror assigned")
        )
    items = "\n".join(
        '<li>{} · <span class="{}">{}</span></li>'.format(names[reviewer.juror.pk], *states[reviewer.state])
        for reviewer in reviewers
    )
    return mark_safe(f'<ul class="list-unstyled small mb-0">{items}</ul>')  # noqa: S308 - every part is escaped


@login_required
@require_POST
def chair_remind(request, slug):
    """One click: each late juror gets one email listing the reviews they still owe (the task re-reads them)."""
    edition = edition_for(request, slug, CHAIR)
    late = [load.juror.pk for load in juror_loads(edition) if load.late]
    if not late:
        messages.info(request, _("No juror is late: nobody was reminded."))
        return redirect("submissions:chair_dashboard", edition.slug)
    remind_jurors_task.enqueue(edition_id=edition.pk, juror_ids=late, click=uuid.uuid4().hex)
    messages.success(
        request,
        ngettext(
            "A reminder is on its way to %(count)d late juror.",
            "A reminder is on its way to %(count)d late jurors.",
            len(late),
        )
        % {"count": len(late)},
    )
    return redirect("submissions:chair_dashboard", edition.slug)


@login_required
@require_POST
def chair_start_reviews(request, slug):
    edition = edition_for(request, slug, CHAIR)
    started = review_service.start_all_reviews(edition, by=request.user)
    if started:
        messages.success(
            request,
            ngettext("%(count)d submission is now in review.", "%(count)d submissions are now in review.", len(started))
            % {"count": len(started)},
        )
    else:
        messages.info(request, _("No submitted document was waiting for the jury."))
    return redirect("submissions:chair_dashboard", edition.slug)


@login_required
@require_POST
def chair_round(request, slug):
    """Close the round (reviews can no longer be edited) or reopen it."""
    edition = edition_for(request, slug, CHAIR)
    action = request.POST.get("action")
    if action == "close":
        review_service.close_round(edition, by=request.user)
        messages.success(request, _("The review round is closed: reviews can no longer be edited."))
    elif action == "reopen":
        review_service.reopen_round(edition, by=request.user)
        messages.success(request, _("The review round is open again."))
    else:
        messages.error(request, _("The request was not understood."))
    return redirect("submissions:chair_dashboard", edition.slug)


@login_required
@require_POST
def chair_release_decisions(request, slug):
    """Release the ticked pending decisions, or all of them, together."""
    edition = edition_for(request, slug, CHAIR)
    pending_ids = list(review_service.pending_decisions(edition).values_list("pk", flat=True))
    form = ReleaseForm(request.POST, pending_ids=pending_ids)
    if not form.is_valid():
        if "decisions" in form.errors:  # a second click: the first released them
            messages.info(request, _("These decisions are already released."))
        else:
            messages.error(request, form.errors["__all__"][0])
        return redirect("submissions:chair_dashboard", edition.slug)
    asked = len(pending_ids) if form.decision_ids is None else len(form.decision_ids)
    if not asked:
        messages.info(request, _("No decision is waiting to be released."))
        return redirect("submissions:chair_dashboard", edition.slug)
    released = review_service.release_decisions(edition, by=request.user, decision_ids=form.decision_ids)
    if released:
        messages.success(
            request,
            ngettext(
                "%(count)d decision is released: the group is told.",
                "%(count)d decisions are released: the groups are told.",
                len(released),
            )
            % {"count": len(released)},
        )
    if len(released) < asked:
        messages.warning(
            request,
            ngettext(
                "%(count)d decision was not released: its submission is no longer in review.",
                "%(count)d decisions were not released: their submissions are no longer in review.",
                asked - len(released),
            )
            % {"count": asked - len(released)},
        )
    return redirect("submissions:chair_dashboard", edition.slug)


def _decision_group(request, slug, group_pk) -> Group:
    edition = edition_for(request, slug, CHAIR)
    group = get_object_or_404(Group.objects.filter(edition=edition).select_related("stakeholder_type"), pk=group_pk)
    group.edition = edition
    if not request.user.has_perm(READ, group):
        raise PermissionDenied
    return group


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def chair_decision(request, slug, group_pk):
    """The reviews of the group's current submission side by side, and the decision form (staged, not released)."""
    group = _decision_group(request, slug, group_pk)
    edition = group.edition
    submission = review_service.latest_submission(group)
    if submission is None:
        raise Http404
    assignment_settings = settings_for(group)
    window = window_for(group, assignment_settings)
    decision = Decision.objects.filter(submission=submission).first()
    criteria = review_service.criteria_of(edition)
    zone = zone_of(assignment_settings.time_zone if assignment_settings else None)
    status = 200
    with timezone.override(zone):
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            initial=DecisionForm.initial_from(decision if decision and decision.is_pending else None),
            criteria=criteria,
            deadline_passed=window.is_late,
        )
        if request.method == "POST" and form.is_valid():
            try:
                review_service.stage_decision(
                    submission,
                    form.cleaned_data["outcome"],
                    by=request.user,
                    message=form.cleaned_data["message"].strip(),
                    criteria_feedback=form.criteria_feedback,
                    revision_deadline=form.cleaned_data["revision_deadline"],
                )
            except review_service.ReviewRefused as refused:
                messages.error(request, refused.message)
                status = 409
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The decision is staged: the group sees nothing until it is released."))
                return redirect("submissions:chair_dashboard", edition.slug)
        review_settings = review_service.review_settings_for(edition)
        blind = review_settings.blind and request.user.has_perm("submissions.serve_on_jury", edition)
        # A juror now in conflict with the group: their review no longer counts, nor shows here.
        conflicted = ConflictOfInterest.objects.filter(group=group, status__in=ConflictOfInterest.BLOCKING)
        reviews = list(
            Review.objects.filter(submission=submission)
            .exclude(juror_id__in=conflicted.values("juror_id"))
            .select_related("juror")
            .prefetch_related("scores")
            .order_by("juror__last_name", "juror__first_name", "pk")
        )
        submitted = [review for review in reviews if review.state == Review.State.SUBMITTED]
        context = {
            "edition": edition,
            "group": group,
            "label": review_service.jury_label(group, review_settings) if blind else group.name,
            "submission": submission,
            "decision": decision,
            "form": form,
            "can_decide": submission.state == review_service.S.IN_REVIEW and (decision is None or decision.is_pending),
            "window": window,
            "zone": zone,
            "scores": document_scores_of(submission, review_settings),
            "table": _score_table(criteria, submitted),
            "reviews": submitted,
            "unsubmitted": len(reviews) - len(submitted),
        }
        return render(request, "submissions/chair_decision.html", context, status=status)


def _score_table(criteria, reviews):
    """[(criterion, [(review, score or None)])] for the side-by-side table."""
    by_review = {review.pk: {score.criterion_id: score for score in review.scores.all()} for review in reviews}
    return [
        (criterion, [(review, by_review[review.pk].get(criterion.pk)) for review in reviews]) for criterion in criteria
    ]


@never_cache
@login_required
@require_GET
def results(request, slug):
    """The ranking (ties shown), document, defense and final scores; a conflicted chair's rows stay closed."""
    edition = edition_for(request, slug, CHAIR)
    review_settings = review_service.review_settings_for(edition)
    ranking = ranked_results(edition)  # cached: the same for every viewer
    blind = review_settings.blind and request.user.has_perm("submissions.serve_on_jury", edition)
    numbers = ranking.numbers if blind else None
    page = Paginator(ranking.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    may_read = readable_groups(request.user, edition)
    state_labels = {value: str(label) for value, label in Submission.State.choices}
    rows = []
    for result in page.object_list:
        name, type_id = ranking.groups[result.group_id]
        rows.append(
            {
                "rank": result.rank,
                "label": review_service.jury_label(Group(pk=result.group_id, name=name), review_settings, numbers)
                if blind
                else name,
                "stakeholder_type": ranking.types.get(type_id),
                "state_label": state_labels[result.state] if result.state else "",
                "document": exact(result.document),
                "defense": exact(result.defense),
                "final": exact(result.final),
                "readable": may_read(result.group_id),
            }
        )
    context = {
        "edition": edition,
        "review_settings": review_settings,
        "rows": rows,
        "page": page,
        "can_release_scores": request.user.has_perm(CONFIGURE, edition),
    }
    return render(request, "submissions/results.html", context)


@login_required
@require_POST
def results_release_scores(request, slug):
    """The organisers show the groups their scores next to the released feedback."""
    edition = edition_for(request, slug, CONFIGURE)
    already = review_service.review_settings_for(edition).scores_released_at is not None
    review_service.release_scores(edition, by=request.user)
    if already:
        messages.info(request, _("The scores were already released."))
    else:
        messages.success(request, _("The scores are released: each group sees its own with the jury's feedback."))
    return redirect("submissions:results", edition.slug)

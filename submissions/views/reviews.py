"""The juror's side of the review: their dashboard, the review page of one group's current submission (the frozen
snapshot, its files, the form; the others' reviews and the jury's discussion as the edition allows; the diff of a
resubmission), the jury's download of a submitted file (scrubbed in blind review).

A group is loaded inside the edition of the address, and only for those who may read it for the jury
(submissions.read_for_jury): to anyone else, an unassigned or conflicted juror included, it does not exist (404),
so a guessed id tells nothing. Writing a review needs submissions.review_group (an assigned juror, not conflicted).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts.models import Edition
from groups.models import Group
from malisig.uploads import attachment_headers

from ..forms_reviews import JuryMessageForm, ReviewForm, score_field
from ..models import Criterion, GroupFile, Review, Submission, SubmittedFile, SubmittedSection
from ..services import reviews as service
from ..services.review import ReviewRefused, blind_numbers, criteria_of, review_settings_for

S = Submission.State

DASHBOARD_PAGE_SIZE = 50  # a juror reviews a handful of documents; the page stays light at any load


def _jury_group(request, slug: str, group_pk: int) -> Group:
    """The group of the address, for those who may read it for the jury; a 404 for everyone else."""
    edition = get_object_or_404(Edition.objects.select_related("school"), slug=slug)
    group = get_object_or_404(Group.objects.filter(edition=edition).select_related("stakeholder_type"), pk=group_pk)
    group.edition = edition
    if not request.user.has_perm(service.READ, group):
        raise Http404
    return group


def _review_url(group: Group) -> str:
    return reverse("submissions:review_page", args=[group.edition.slug, group.pk])


def _shown(submission: Submission | None) -> bool:
    return submission is not None and submission.state != S.WITHDRAWN


# ---------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------
@never_cache
@login_required
@require_GET
def juror_dashboard(request, slug):
    edition = get_object_or_404(Edition, slug=slug)
    dashboard = service.juror_dashboard(edition, user=request.user)
    page = Paginator(dashboard.rows, DASHBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"edition": edition, "dashboard": dashboard, "counts": dashboard.counts, "page": page}
    return render(request, "submissions/juror_dashboard.html", context)


# ---------------------------------------------------------------------------
# The review page
# ---------------------------------------------------------------------------
def _score_rows(review: Review, criteria: list[Criterion]) -> list[tuple]:
    scores = {score.criterion_id: score for score in review.scores.all()}
    return [(criterion, scores.get(criterion.pk)) for criterion in criteria]


def _render_review(request, group, state: dict, form: ReviewForm | None = None, status: int = 200):
    user, edition = request.user, group.edition
    review_settings, submission, own = state["settings"], state["submission"], state["own"]
    criteria = state["criteria"]
    blind = service.is_blind_for(user, edition, review_settings)
    numbers = blind_numbers(edition) if blind else None
    label = service.label_for(group, review_settings, blind=blind, numbers=numbers)
    can_review = user.has_perm(service.REVIEW, group)
    refusal = service.editing_refusal(submission, review_settings)
    editable = can_review and not refusal
    if editable and form is None:
        form = ReviewForm(criteria=criteria, review=own)
    context = {
        "edition": edition,
        "group": group,
        "label": label,
        "blind": blind,
        "review_settings": review_settings,
        "submission": submission if _shown(submission) else None,
        "criteria": criteria,
        "can_review": can_review,
        "editable": editable,
        "refusal": refusal,
        "form": form if editable else None,
        "own": own,
        "own_rows": _score_rows(own, criteria) if own is not None else [],
    }
    if _shown(submission):
        files = list(submission.files.select_related("group_file").order_by("pk"))
        names = service.jury_file_names(files, label, blind=blind)
        context["sections"] = service.with_jury_images(list(submission.sections.all()), group)
        context["files"] = [(item, names[item.pk]) for item in files]
        see_others = service.may_see_others(user, group, review_settings, own)
        context["see_others"] = see_others
        if see_others:
            context["others"] = [
                (review, _score_rows(review, criteria)) for review in service.others_reviews(submission, user)
            ]
            context["discussion"] = service.jury_messages(submission)
            context["message_form"] = state.get("message_form") or JuryMessageForm()
        previous = service.previous_for_resubmission(submission)
        if previous is not None:
            decision = service.released_decision(previous)
            names_by_id = {str(criterion.pk): criterion for criterion in criteria}
            context["previous"] = previous
            context["changes"] = service.section_changes(previous, submission)
            context["decision"] = decision
            context["decision_feedback"] = [
                (names_by_id.get(key), text) for key, text in (decision.criteria_feedback if decision else {}).items()
            ]
    return render(request, "submissions/review_page.html", context, status=status)


def _state(group: Group) -> dict:
    submission = service.current_submission(group)
    return {
        "settings": review_settings_for(group.edition),
        "submission": submission,
        "criteria": criteria_of(group.edition, Criterion.Rubric.DOCUMENT),
    }


def _own_review(submission: Submission | None, user) -> Review | None:
    if submission is None:
        return None
    return Review.objects.filter(submission=submission, juror=user).prefetch_related("scores").first()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review(request, slug, group_pk):
    """GET: the submission and the juror's review form (read-only when the review cannot be changed). POST: save a
    draft or submit (the `action` button); refused with 409 and nothing changed when the round is closed or the
    submission is not in review, 400 with the message next to the field when a score is refused."""
    group = _jury_group(request, slug, group_pk)
    state = _state(group)
    state["own"] = _own_review(state["submission"], request.user)
    if request.method == "GET":
        return _render_review(request, group, state)

    if not request.user.has_perm(service.REVIEW, group):
        raise PermissionDenied
    refusal = service.editing_refusal(state["submission"], state["settings"])
    if refusal:
        messages.error(request, refusal)
        return _render_review(request, group, state, status=409)
    form = ReviewForm(request.POST, criteria=state["criteria"], review=state["own"])
    if not form.is_valid():
        messages.error(request, _("The review is not saved: see the messages next to the fields."))
        return _render_review(request, group, state, form, status=400)
    try:
        saved = service.save_review(
            state["submission"],
            by=request.user,
            scores=form.scores(),
            message=form.cleaned_data["message_to_group"],
            private_note=form.cleaned_data["private_note"],
            submit=form.submitting,
        )
    except ReviewRefused as refused:
        messages.error(request, refused.message)
        return _render_review(request, group, state, status=409)
    except ValidationError as error:
        for key, errors in error.message_dict.items():
            name = score_field(Criterion(pk=int(key))) if key.isdigit() else None
            form.add_error(name if name in form.fields else None, errors)
        messages.error(request, _("The review is not saved: see the messages next to the fields."))
        return _render_review(request, group, state, form, status=400)
    if saved.state == Review.State.SUBMITTED:
        messages.success(request, _("Your review is submitted. You can still change it until the round closes."))
    else:
        messages.success(request, _("Your draft is saved. Submit the review once every criterion is scored."))
    return redirect(_review_url(group))


@login_required
@require_POST
def review_discussion(request, slug, group_pk):
    """A message in the jury's discussion of the group's current submission."""
    group = _jury_group(request, slug, group_pk)
    state = _state(group)
    submission = state["submission"]
    if not _shown(submission):
        messages.error(request, _("There is no submission to discuss."))
        return redirect(_review_url(group))
    form = JuryMessageForm(request.POST)
    if not form.is_valid():
        state["own"] = _own_review(submission, request.user)
        state["message_form"] = form
        if not service.may_see_others(request.user, group, state["settings"], state["own"]):
            raise PermissionDenied
        return _render_review(request, group, state, status=400)
    service.post_jury_message(submission, by=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("Your message is posted to the jury."))
    return redirect(f"{_review_url(group)}#discussion")


@login_required
@require_GET
def review_file(request, slug, group_pk, file_pk):
    """A submitted file, as an attachment. In blind review the name becomes "<label> - presentation.pptx" and the
    file's metadata (authors, title, company...) is removed from the copy served."""
    group = _jury_group(request, slug, group_pk)
    item = get_object_or_404(
        SubmittedFile.objects.filter(submission__group=group).exclude(submission__state=S.WITHDRAWN),
        pk=file_pk,
    )
    review_settings = review_settings_for(group.edition)
    blind = service.is_blind_for(request.user, group.edition, review_settings)
    label = service.label_for(group, review_settings, blind=blind)
    siblings = list(SubmittedFile.objects.filter(submission_id=item.submission_id).select_related("group_file"))
    name = service.jury_file_names(siblings, label, blind=blind)[item.pk]
    group_file = next(sibling.group_file for sibling in siblings if sibling.pk == item.pk)
    if blind:
        try:
            response = HttpResponse(service.scrubbed_content(group_file), content_type=group_file.content_type)
        except (service.ScrubFailed, FileNotFoundError):
            messages.error(
                request, _("This file cannot be offered in blind review: its metadata could not be removed.")
            )
            return redirect(_review_url(group))
    else:
        try:
            response = FileResponse(group_file.file.open("rb"), content_type=group_file.content_type)
        except (FileNotFoundError, ValueError) as error:
            raise Http404 from error
    attachment_headers(response, name)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def review_image(request, slug, group_pk, file_pk):
    """An image of the group's submitted text, shown inline to the jury (only an image one of its submitted sections
    shows); in blind review redrawn without its metadata."""
    group = _jury_group(request, slug, group_pk)
    image = get_object_or_404(GroupFile.objects.filter(group=group, role=GroupFile.Role.IMAGE), pk=file_pk)
    workspace = reverse("submissions:group_files", args=[group.edition.slug, group.pk])
    used = SubmittedSection.objects.filter(
        submission__group=group, html__contains=f'src="{workspace}{image.pk}/"'
    ).exclude(submission__state=S.WITHDRAWN)
    if not used.exists():
        raise Http404
    blind = service.is_blind_for(request.user, group.edition, review_settings_for(group.edition))
    try:
        if blind:
            response = HttpResponse(service.scrubbed_image(image), content_type=image.content_type)
        else:
            response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    except (service.ScrubFailed, FileNotFoundError, ValueError) as error:
        raise Http404 from error
    name = f"image{service.file_extension(image)}" if blind else image.display_name
    response["Content-Disposition"] = content_disposition_header(False, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

"""The public defense at the closing ceremony: the chair's running order and timer, the projector's screens (the
group on now with its countdown; one question at a time with every defending group's position), and the jurors'
score sheet for a phone.

The score endpoint answers defense.js (JSON) and the plain form (no JavaScript) alike:
  200 {"status": "saved", scores}      the scores are stored
  400 {"status": "invalid", message}   a value outside the scale, an unknown criterion, an unreadable request
  401 {"status": "login", message}     the session ended
  403 {"status": "forbidden", message} not a juror of the edition, or a conflict of interest with the group
  409 {"status": "refused", message}   the group is not in the running order
  423 {"status": "closed", message}    the chair closed the round
"""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cohorts.models import Edition
from cohorts.permissions import edition_for
from groups.models import Group

from ..forms_defense import DefenseScoresForm, MoveForm, field_name
from ..models import Criterion
from ..services import defense
from ..services.review import CHAIR, ReviewRefused, criteria_of, explain, review_settings_for
from ..services.submission import InvalidTransition

JURY = defense.JURY


def _group_in(edition: Edition, group_pk: int) -> Group:
    group = get_object_or_404(Group.objects.filter(edition=edition).select_related("stakeholder_type"), pk=group_pk)
    group.edition = edition
    return group


def _to_order(edition: Edition, group: Group | None = None):
    url = reverse("submissions:defense_order", args=[edition.slug])
    return redirect(f"{url}#turn-{group.pk}" if group else url)


def _timer(turns, minutes: int) -> dict:
    """What the timer shows: the group on now, when its time ends, the server's clock (the script corrects the
    device's clock with it), and a key that changes whenever the order or a turn changes (the screen reloads)."""
    current = defense.current_turn(turns)
    state = f"{minutes}|" + "|".join(
        f"{t.group.pk}:{t.state}:{t.slot.started_at if t.slot else ''}:{t.slot.ended_at if t.slot else ''}"
        for t in turns
    )
    return {
        "current": current,
        "upcoming": defense.next_turn(turns),
        "ends_at": defense.turn_ends_at(current, minutes),
        "server_now": timezone.now(),
        "minutes": minutes,
        "screen_key": hashlib.sha256(state.encode()).hexdigest()[:16],
        "labels": _labels(),
    }


# ---------------------------------------------------------------------------
# The chair: running order, turns, defended


def _order_page(request, edition: Edition, status: int = 200):
    review_settings = review_settings_for(edition)
    turns = defense.running_order(edition)
    scored, jurors = defense.scoring_progress(edition)
    for turn in turns:
        turn.scored_by = scored.get(turn.group.pk, 0)
    context = {
        "edition": edition, "turns": turns, "jurors": jurors, "scoring_closed": review_settings.defense_closed_at,
        **_timer(turns, review_settings.defense_minutes),
    }  # fmt: skip
    return render(request, "submissions/defense_order.html", context, status=status)


@never_cache
@login_required
@require_GET
def defense_order(request, slug):
    return _order_page(request, edition_for(request, slug, CHAIR))


@require_POST
@login_required
def defense_order_auto(request, slug):
    edition = edition_for(request, slug, CHAIR)
    defense.set_automatic_order(edition, by=request.user)
    messages.success(request, _("The running order follows the stakeholder types, then the groups' names."))
    return _to_order(edition)


@require_POST
@login_required
def defense_scoring(request, slug):
    """Close (action=close) or reopen the jurors' defense score sheets."""
    edition = edition_for(request, slug, CHAIR)
    if request.POST.get("action") == "close":
        defense.close_defense_scoring(edition, by=request.user)
        messages.success(request, _("Defense scoring is closed: the score sheets are read only."))
    else:
        defense.reopen_defense_scoring(edition, by=request.user)
        messages.success(request, _("Defense scoring is open again."))
    return _to_order(edition)


@require_POST
@login_required
def defense_move(request, slug, group_pk):
    edition = edition_for(request, slug, CHAIR)
    group = _group_in(edition, group_pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose up or down."))
    elif not defense.move_in_order(edition, group, up=form.up, by=request.user):
        messages.info(request, _("“%(group)s” cannot move further.") % {"group": group.name})
    return _to_order(edition, group)


@require_POST
@login_required
def defense_start(request, slug, group_pk):
    edition = edition_for(request, slug, CHAIR)
    group = _group_in(edition, group_pk)
    try:
        defense.start_turn(edition, group, by=request.user)
    except ReviewRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("“%(group)s” is on: the timer runs.") % {"group": group.name})
    return _to_order(edition, group)


@require_POST
@login_required
def defense_stop(request, slug, group_pk):
    edition = edition_for(request, slug, CHAIR)
    group = _group_in(edition, group_pk)
    try:
        defense.stop_turn(edition, group, by=request.user)
    except ReviewRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("“%(group)s”'s turn is over.") % {"group": group.name})
    return _to_order(edition, group)


@require_POST
@login_required
def defense_defended(request, slug, group_pk):
    edition = edition_for(request, slug, CHAIR)
    group = _group_in(edition, group_pk)
    try:
        defense.mark_defended(edition, group, by=request.user)
    except InvalidTransition as error:
        messages.error(request, explain(error))
        return _order_page(request, edition, status=409)
    except ReviewRefused as refused:
        messages.error(request, refused.message)
        return _order_page(request, edition, status=409)
    messages.success(request, _("“%(group)s” has defended its document.") % {"group": group.name})
    return _to_order(edition, group)


# ---------------------------------------------------------------------------
# The projector (the chair opens it and puts it on the big screen)


@never_cache
@login_required
@require_GET
def defense_screen(request, slug):
    """The group on now, its stakeholder type and its countdown, in big type."""
    edition = edition_for(request, slug, CHAIR)
    turns = defense.running_order(edition)
    context = {"edition": edition, "turns": turns, **_timer(turns, review_settings_for(edition).defense_minutes)}
    return render(request, "submissions/defense_screen.html", context)


@never_cache
@login_required
@require_GET
def defense_screen_state(request, slug):
    """The screen's key: the screen reloads when it changes (a new turn, a new order). Fails quietly offline."""
    edition = edition_for(request, slug, CHAIR)
    turns = defense.running_order(edition)
    timer = _timer(turns, review_settings_for(edition).defense_minutes)
    return _json({"key": timer["screen_key"]})


@never_cache
@login_required
@require_GET
def defense_questions(request, slug):
    """One question at a time (?q=N), every defending group's answer in columns by stakeholder type."""
    edition = edition_for(request, slug, CHAIR)
    questions = defense.questions_of(edition)
    raw = request.GET.get("q", "1")
    number = int(raw) if raw.isdigit() and len(raw) < 5 else 1
    number = min(max(number, 1), len(questions)) if questions else 0
    question = questions[number - 1] if questions else None
    turns = defense.running_order(edition)
    context = {
        "edition": edition,
        "questions": questions,
        "question": question,
        "number": number,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if question and number < len(questions) else None,
        "columns": defense.positions_on(question, turns, edition.slug) if question else [],
        "labels": _labels(),
    }
    return render(request, "submissions/defense_questions.html", context)


# ---------------------------------------------------------------------------
# The jurors' score sheet


def _labels() -> dict:
    return {
        "saving": _("Saving…"),
        "saved": _("Saved"),
        "local": _("Saved on this phone only — will be sent when the connection returns"),
        "error": _("Not saved: {message}"),
        "login": _("Your session has ended: log in again; your scores are kept on this phone."),
        "over": _("Time is up"),
    }


def _display(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else formats.number_format(value, 2)


@never_cache
@login_required
@require_GET
def defense_sheet(request, slug):
    """One card per group of the running order, a score per defense criterion; a conflicted group is shown
    without its form."""
    edition = edition_for(request, slug, JURY)
    review_settings = review_settings_for(edition)
    criteria = criteria_of(edition, Criterion.Rubric.DEFENSE)
    mine = defense.scores_of(request.user, edition)
    cards = []
    for turn in defense.running_order(edition):
        turn.group.edition = edition
        given = mine.get(turn.group.pk, {})
        rows = []
        for criterion in criteria:
            value = _display(given.get(criterion.pk))
            options = [str(n) for n in range(criterion.scale_min, criterion.scale_max + 1)]
            if value and value not in options:
                options.append(value)
            rows.append({"criterion": criterion, "name": field_name(criterion), "value": value, "options": options})
        cards.append({"turn": turn, "may_score": defense.may_score(request.user, turn.group), "rows": rows,
                      "complete": len(given) == len(criteria)})  # fmt: skip
    context = {
        "edition": edition,
        "cards": cards,
        "closed": review_settings.defense_closed_at is not None,
        "labels": _labels(),
        "storage_prefix": f"defense:{request.user.pk}:{edition.pk}:",
    }
    return render(request, "submissions/defense_sheet.html", context)


def _json(payload: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def defense_score_save(request, slug, group_pk):
    as_json = request.content_type == "application/json"
    sheet = reverse("submissions:defense_sheet", args=[slug])
    if not request.user.is_authenticated:
        if as_json:
            return _json({"status": "login", "message": _("Your session has ended: log in again.")}, 401)
        return redirect_to_login(sheet)
    try:
        edition = edition_for(request, slug, JURY)
    except PermissionDenied:
        if as_json:
            return _json({"status": "forbidden", "message": _("Only the edition's jurors score the defense.")}, 403)
        raise
    group = _group_in(edition, group_pk)
    back = redirect(f"{sheet}#group-{group.pk}")
    criteria = criteria_of(edition, Criterion.Rubric.DEFENSE)
    try:
        form = (
            DefenseScoresForm.from_json(json.loads(request.body or b"{}"), criteria=criteria)
            if as_json
            else DefenseScoresForm(request.POST, criteria=criteria)
        )
    except (ValueError, UnicodeDecodeError):
        return _json({"status": "invalid", "message": _("The scores could not be read: reload the page.")}, 400)
    status, message = 200, ""
    if not form.is_valid():
        status, message = 400, form.first_error()
    else:
        try:
            defense.save_defense_scores(group, form.scores(), by=request.user)
        except PermissionDenied:
            status, message = 403, _("You have a conflict of interest with this group: you do not score it.")
        except defense.RoundClosed as closed:
            status, message = 423, closed.message
        except ReviewRefused as refused:
            status, message = 409, refused.message
        except ValidationError as error:
            status, message = 400, error.messages[0]
    if as_json:
        kinds = {200: "saved", 400: "invalid", 403: "forbidden", 409: "refused", 423: "closed"}
        payload = {"status": kinds[status], "message": message}
        if status == 200:
            payload["scores"] = {str(pk): _display(value) for pk, value in form.scores().items()}
        return _json(payload, status)
    if status == 403:
        raise PermissionDenied
    if status == 200:
        messages.success(request, _("Scores for “%(group)s” saved.") % {"group": group.name})
    else:
        messages.error(request, message)
    return back

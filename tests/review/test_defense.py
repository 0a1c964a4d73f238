"""The public defense: running order, turns and "defended" (the chair), the projector's screens, the jurors' score
sheet and its JSON endpoint."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from groups.models import Membership
from submissions.models import (
    ConflictOfInterest,
    Criterion,
    DefenseScore,
    DefenseSlot,
    ReviewSettings,
    Submission,
    SubmissionChange,
)
from submissions.services import defense
from submissions.services.review import (
    close_round,
    criteria_of,
    release_decisions,
    stage_decision,
    start_review,
)
from tests.conftest import speak
from tests.factories import GroupFactory, MembershipFactory

from .conftest import SECTION_TITLES, person, write_and_submit

S = Submission.State


def accept(edition, chair, *submissions):
    for submission in submissions:
        start_review(submission, by=chair)
        stage_decision(submission, "accepted", by=chair)
    release_decisions(edition, by=chair)


@pytest.fixture
def accepted(edition, submissions, chair, review_settings):
    """Gouvernement A and Secteur privé A accepted; Société civile A still in review."""
    accept(edition, chair, submissions["gouvernement"], submissions["secteur-prive"])
    start_review(submissions["societe-civile"], by=chair)
    return submissions


def more_accepted(edition, groups, chair, count: int) -> list:
    """`count` more accepted groups (Société civile B, C...), each with its own coordinator."""
    made = []
    kind = groups["societe-civile"].stakeholder_type
    for n in range(count):
        group = GroupFactory(edition=edition, stakeholder_type=kind, name=f"Société civile {chr(66 + n)}")
        writer = person(edition, f"writer{n}@example.org", "Plume", f"N{n}")
        MembershipFactory(group=group, user=writer, group_role=Membership.GroupRole.COORDINATOR)
        made.append(write_and_submit(group, writer, [f"<p>extra {n} : {title}.</p>" for title in SECTION_TITLES]))
    accept(edition, chair, *made)
    return made


def url(name: str, edition, *args) -> str:
    return reverse(f"submissions:{name}", args=[edition.slug, *args])


def post_scores(client, edition, group, scores: dict):
    return client.post(
        url("defense_score_save", edition, group.pk),
        data=json.dumps({"scores": {str(key): value for key, value in scores.items()}}),
        content_type="application/json",
    )


def defense_criteria(edition) -> list[Criterion]:
    return criteria_of(edition, Criterion.Rubric.DEFENSE)


# ---------------------------------------------------------------------------
# Running order


def test_running_order_holds_only_accepted_groups_in_stakeholder_type_order(edition, accepted, groups):
    turns = defense.running_order(edition)

    assert [turn.group for turn in turns] == [groups["gouvernement"], groups["secteur-prive"]]
    assert [turn.number for turn in turns] == [1, 2]
    assert all(turn.slot is None and turn.state == S.ACCEPTED for turn in turns)


def test_chair_orders_automatically_and_the_slots_are_written(client, edition, accepted, groups, chair):
    client.force_login(chair)

    response = client.post(url("defense_order_auto", edition))

    assert response.status_code == 302
    slots = list(DefenseSlot.objects.filter(edition=edition).order_by("position").values_list("group", "position"))
    assert slots == [(groups["gouvernement"].pk, 1), (groups["secteur-prive"].pk, 2)]


def test_chair_moves_a_group_up_and_the_order_follows(client, edition, accepted, groups, chair):
    client.force_login(chair)

    client.post(url("defense_move", edition, groups["secteur-prive"].pk), {"direction": "up"})

    assert [turn.group for turn in defense.running_order(edition)] == [groups["secteur-prive"], groups["gouvernement"]]
    response = client.get(url("defense_order", edition))
    names = [turn.group.name for turn in response.context["turns"]]
    assert names == ["Secteur privé A", "Gouvernement A"]


def test_moving_the_first_group_up_changes_nothing(client, edition, accepted, groups, chair):
    client.force_login(chair)

    client.post(url("defense_move", edition, groups["gouvernement"].pk), {"direction": "up"})

    assert [turn.group for turn in defense.running_order(edition)] == [groups["gouvernement"], groups["secteur-prive"]]


def test_a_group_accepted_after_the_order_was_set_comes_last_then_moves_like_the_others(
    client, edition, accepted, groups, chair
):
    client.force_login(chair)
    client.post(url("defense_move", edition, groups["secteur-prive"].pk), {"direction": "up"})
    stage_decision(accepted["societe-civile"], "accepted", by=chair)
    release_decisions(edition, by=chair)

    turns = defense.running_order(edition)
    client.post(url("defense_move", edition, groups["societe-civile"].pk), {"direction": "up"})

    assert [turn.group.name for turn in turns] == ["Secteur privé A", "Gouvernement A", "Société civile A"]
    assert turns[2].slot is None
    order = DefenseSlot.objects.filter(edition=edition).order_by("position").values_list("group__name", flat=True)
    assert list(order) == ["Secteur privé A", "Société civile A", "Gouvernement A"]


def test_organiser_may_order_the_defense(client, edition, accepted, groups, organiser):
    client.force_login(organiser)

    response = client.post(url("defense_move", edition, groups["secteur-prive"].pk), {"direction": "up"})

    assert response.status_code == 302
    assert DefenseSlot.objects.get(group=groups["secteur-prive"]).position == 1


@pytest.mark.parametrize("persona", ["jurors", "member", "other_member", "outsider", "other_organiser"])
def test_only_the_chair_and_organisers_run_the_order(client, edition, accepted, groups, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user[0] if isinstance(user, list) else user)
    group = groups["secteur-prive"]

    answers = [
        client.get(url("defense_order", edition)).status_code,
        client.post(url("defense_order_auto", edition)).status_code,
        client.post(url("defense_move", edition, group.pk), {"direction": "up"}).status_code,
        client.post(url("defense_start", edition, group.pk)).status_code,
        client.post(url("defense_defended", edition, group.pk)).status_code,
        client.get(url("defense_screen", edition)).status_code,
        client.get(url("defense_questions", edition)).status_code,
    ]

    assert answers == [403] * 7
    assert not DefenseSlot.objects.exists()
    assert Submission.objects.get(pk=accepted["secteur-prive"].pk).state == S.ACCEPTED


def test_a_group_of_another_edition_is_not_found(client, edition, accepted, chair, other_edition):
    stranger = GroupFactory(edition=other_edition)
    client.force_login(chair)

    response = client.post(url("defense_start", edition, stranger.pk))

    assert response.status_code == 404


def test_order_page_lists_the_turns_with_their_actions(client, edition, accepted, chair, jurors):
    client.force_login(chair)
    speak(client, "en")

    response = client.get(url("defense_order", edition))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="turn"') == 2
    assert "Société civile A" not in html
    assert html.count('data-testid="mark-defended"') == 2
    assert html.count("scored by 0 jurors of 4") == 2


# ---------------------------------------------------------------------------
# Turns and the timer


def test_starting_a_turn_ends_the_one_running(client, edition, accepted, groups, chair):
    client.force_login(chair)
    client.post(url("defense_start", edition, groups["gouvernement"].pk))

    client.post(url("defense_start", edition, groups["secteur-prive"].pk))

    first, second = DefenseSlot.objects.filter(edition=edition).order_by("position")
    assert first.started_at and first.ended_at
    assert second.started_at and second.ended_at is None
    assert defense.current_turn(defense.running_order(edition)).group == groups["secteur-prive"]


def test_stopping_a_turn_records_its_end(client, edition, accepted, groups, chair):
    client.force_login(chair)
    client.post(url("defense_start", edition, groups["gouvernement"].pk))

    client.post(url("defense_stop", edition, groups["gouvernement"].pk))

    slot = DefenseSlot.objects.get(group=groups["gouvernement"])
    assert slot.ended_at >= slot.started_at
    assert defense.current_turn(defense.running_order(edition)) is None


def test_stopping_a_turn_never_started_is_refused_with_a_message(client, edition, accepted, groups, chair):
    client.force_login(chair)
    speak(client, "en")

    response = client.post(url("defense_stop", edition, groups["gouvernement"].pk), follow=True)

    assert "This group&#x27;s turn has not started." in response.content.decode()


def test_starting_a_group_not_accepted_is_refused(client, edition, accepted, groups, chair):
    client.force_login(chair)
    speak(client, "en")

    response = client.post(url("defense_start", edition, groups["societe-civile"].pk), follow=True)

    assert "not in the running order" in response.content.decode()
    assert not DefenseSlot.objects.filter(group=groups["societe-civile"]).exists()


def test_projector_shows_the_group_on_now_and_its_countdown(client, edition, accepted, groups, chair, review_settings):
    review_settings.defense_minutes = 12
    review_settings.save()
    client.force_login(chair)
    client.post(url("defense_start", edition, groups["secteur-prive"].pk))
    started_at = DefenseSlot.objects.get(group=groups["secteur-prive"]).started_at
    speak(client, "en")

    response = client.get(url("defense_screen", edition))

    html = response.content.decode()
    ends_at = timezone.localtime(started_at + dt.timedelta(minutes=12))
    assert response.context["ends_at"] == started_at + dt.timedelta(minutes=12)
    assert f'data-ends-at="{ends_at.isoformat()}"' in html
    assert 'data-testid="timer-group">Secteur privé A<' in html
    assert "Private Sector" in html
    assert "Ends at" in html  # what the page says without JavaScript
    assert "defense.js" in html and "<script>" not in html


def test_screen_state_changes_when_a_turn_starts(client, edition, accepted, groups, chair):
    client.force_login(chair)
    before = client.get(url("defense_screen_state", edition)).json()["key"]

    client.post(url("defense_start", edition, groups["gouvernement"].pk))

    assert client.get(url("defense_screen_state", edition)).json()["key"] != before


# ---------------------------------------------------------------------------
# Defended


def test_mark_defended_moves_the_accepted_submission_to_defended_and_ends_the_turn(
    client, edition, accepted, groups, chair
):
    client.force_login(chair)
    client.post(url("defense_start", edition, groups["gouvernement"].pk))

    response = client.post(url("defense_defended", edition, groups["gouvernement"].pk))

    assert response.status_code == 302
    submission = Submission.objects.get(pk=accepted["gouvernement"].pk)
    assert submission.state == S.DEFENDED
    change = SubmissionChange.objects.filter(submission=submission).last()
    assert (change.old, change.new, change.by) == (S.ACCEPTED, S.DEFENDED, chair)
    assert DefenseSlot.objects.get(group=groups["gouvernement"]).ended_at is not None
    assert groups["gouvernement"] in [turn.group for turn in defense.running_order(edition)]


def test_mark_defended_on_a_submission_not_accepted_is_a_409_with_a_message(client, edition, accepted, groups, chair):
    client.force_login(chair)
    speak(client, "en")

    response = client.post(url("defense_defended", edition, groups["societe-civile"].pk))

    assert response.status_code == 409
    assert "This is not possible while the submission is “In review”." in response.content.decode()
    assert Submission.objects.get(pk=accepted["societe-civile"].pk).state == S.IN_REVIEW


def test_mark_defended_twice_is_a_409(client, edition, accepted, groups, chair):
    client.force_login(chair)
    client.post(url("defense_defended", edition, groups["gouvernement"].pk))

    response = client.post(url("defense_defended", edition, groups["gouvernement"].pk))

    assert response.status_code == 409
    assert SubmissionChange.objects.filter(submission=accepted["gouvernement"], new=S.DEFENDED).count() == 1


# ---------------------------------------------------------------------------
# Projector: one question, every position


def test_projector_question_shows_each_stakeholder_types_answer_and_nothing_of_groups_not_accepted(
    client, edition, accepted, chair
):
    client.force_login(chair)
    speak(client, "en")

    response = client.get(url("defense_questions", edition), {"q": 2})

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["question"].title_fr == "Légalité et légitimité des coupures"
    assert "gouvernement : Légalité et légitimité des coupures." in html
    assert "secteur-prive : Légalité et légitimité des coupures." in html
    assert "societe-civile" not in html and "Société civile A" not in html
    assert [column.stakeholder_type.code for column in response.context["columns"]] == ["gouvernement", "secteur-prive"]
    assert "Government" in html and "Private Sector" in html
    assert "?q=1" in html and "?q=3" in html


def test_projector_question_number_is_kept_within_the_questions(client, edition, accepted, chair):
    client.force_login(chair)

    last = client.get(url("defense_questions", edition), {"q": 99})
    junk = client.get(url("defense_questions", edition), {"q": "abc"})

    assert last.context["number"] == 3 and last.context["next"] is None
    assert junk.context["number"] == 1 and junk.context["previous"] is None


def test_projector_shows_an_answer_shortened_to_its_first_paragraphs():
    long_text = "<p>Premier.</p><p>Deuxième.</p><p>Troisième.</p>"

    assert defense.shorten(long_text) == "<p>Premier.</p><p>Deuxième.</p>"
    assert defense.shorten("<p>" + "mot " * 300 + "</p>").count("mot") == defense.SHOWN_WORDS
    assert defense.shorten("") == ""


def test_projector_answer_comes_from_the_latest_submission(client, edition, accepted, groups, chair):
    client.force_login(chair)
    snapshot = accepted["gouvernement"].sections.get(position=2)
    snapshot.html = "<p>La position du gouvernement.</p><script>alert(1)</script>"
    snapshot.save()

    html = client.get(url("defense_questions", edition), {"q": 2}).content.decode()

    assert "La position du gouvernement." in html
    assert "alert(1)" not in html


# ---------------------------------------------------------------------------
# Score sheet


def test_score_sheet_has_a_card_per_group_with_the_defense_criteria(client, edition, accepted, jurors):
    client.force_login(jurors[0])

    response = client.get(url("defense_sheet", edition))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="score-card"') == 2
    assert html.count('data-testid="score"') == 2 * 4
    assert "Société civile A" not in html
    assert f'data-key="defense:{jurors[0].pk}:{edition.pk}:' in html


def test_score_sheet_shows_a_conflicted_group_without_its_form(client, edition, accepted, groups, jurors):
    ConflictOfInterest.objects.create(juror=jurors[0], group=groups["gouvernement"], kind="personal", status="declared")
    client.force_login(jurors[0])

    html = client.get(url("defense_sheet", edition)).content.decode()

    assert html.count('data-testid="conflicted"') == 1
    assert html.count('data-testid="score"') == 4


@pytest.mark.parametrize("persona", ["organiser", "member", "outsider", "other_organiser"])
def test_score_sheet_is_for_jurors_only(client, edition, accepted, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url("defense_sheet", edition)).status_code == 403


def test_juror_saves_scores_as_json(client, edition, accepted, groups, jurors):
    first, second, *_ = defense_criteria(edition)
    client.force_login(jurors[0])

    response = post_scores(client, edition, groups["gouvernement"], {first.pk: 4, second.pk: "3"})

    assert response.status_code == 200
    assert response.json()["status"] == "saved"
    rows = DefenseScore.objects.filter(juror=jurors[0], group=groups["gouvernement"])
    assert {(row.criterion_id, row.value) for row in rows} == {(first.pk, Decimal(4)), (second.pk, Decimal(3))}


def test_a_second_save_replaces_the_first_without_duplicates(client, edition, accepted, groups, jurors):
    first, second, *_ = defense_criteria(edition)
    client.force_login(jurors[0])
    post_scores(client, edition, groups["gouvernement"], {first.pk: 4, second.pk: 3})

    post_scores(client, edition, groups["gouvernement"], {first.pk: 2, second.pk: None})

    rows = list(DefenseScore.objects.filter(juror=jurors[0], group=groups["gouvernement"]))
    assert [(row.criterion_id, row.value) for row in rows] == [(first.pk, Decimal(2))]


def test_a_save_leaves_the_criteria_not_sent_as_they_are(client, edition, accepted, groups, jurors):
    first, second, *_ = defense_criteria(edition)
    client.force_login(jurors[0])
    post_scores(client, edition, groups["gouvernement"], {first.pk: 4, second.pk: 3})

    post_scores(client, edition, groups["gouvernement"], {first.pk: 5})

    assert DefenseScore.objects.filter(juror=jurors[0], group=groups["gouvernement"]).count() == 2


@pytest.mark.parametrize("value", [6, -1, "4.5e3", "beaucoup", "NaN"])
def test_a_score_outside_the_scale_is_refused_with_a_400_and_the_message(
    client, edition, accepted, groups, jurors, value
):
    first = defense_criteria(edition)[0]
    client.force_login(jurors[0])
    speak(client, "en")

    response = post_scores(client, edition, groups["gouvernement"], {first.pk: value})

    assert response.status_code == 400
    assert response.json()["status"] == "invalid"
    assert "Clarity of the presentation" in response.json()["message"]
    assert not DefenseScore.objects.exists()


def test_an_unknown_criterion_is_refused(client, edition, accepted, groups, jurors):
    document_criterion = criteria_of(edition)[0]
    client.force_login(jurors[0])

    response = post_scores(client, edition, groups["gouvernement"], {document_criterion.pk: 3})

    assert response.status_code == 400
    assert not DefenseScore.objects.exists()


def test_a_conflicted_juror_cannot_score_that_group(client, edition, accepted, groups, jurors):
    ConflictOfInterest.objects.create(
        juror=jurors[0], group=groups["gouvernement"], kind="personal", status="suggested"
    )
    first = defense_criteria(edition)[0]
    client.force_login(jurors[0])

    refused = post_scores(client, edition, groups["gouvernement"], {first.pk: 3})
    allowed = post_scores(client, edition, groups["secteur-prive"], {first.pk: 3})

    assert refused.status_code == 403
    assert refused.json()["status"] == "forbidden"
    assert allowed.status_code == 200
    assert list(DefenseScore.objects.values_list("group", flat=True)) == [groups["secteur-prive"].pk]


def test_a_dismissed_conflict_does_not_stop_scoring(client, edition, accepted, groups, jurors):
    ConflictOfInterest.objects.create(juror=jurors[0], group=groups["gouvernement"], kind="other", status="dismissed")
    client.force_login(jurors[0])

    response = post_scores(client, edition, groups["gouvernement"], {defense_criteria(edition)[0].pk: 3})

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["organiser", "member", "outsider", "other_organiser"])
def test_a_non_juror_cannot_score(client, edition, accepted, groups, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = post_scores(client, edition, groups["gouvernement"], {defense_criteria(edition)[0].pk: 3})

    assert response.status_code == 403
    assert not DefenseScore.objects.exists()


def test_scores_are_refused_with_a_423_once_the_chair_closes_the_score_sheets(
    client, edition, accepted, groups, jurors, chair
):
    client.force_login(chair)
    client.post(url("defense_scoring", edition), {"action": "close"})
    client.force_login(jurors[0])
    speak(client, "en")

    response = post_scores(client, edition, groups["gouvernement"], {defense_criteria(edition)[0].pk: 3})
    sheet = client.get(url("defense_sheet", edition)).content.decode()

    assert response.status_code == 423
    assert response.json()["message"] == "Defense scoring is closed: scores can no longer be changed."
    assert not DefenseScore.objects.exists()
    assert 'data-testid="round-closed"' in sheet and "disabled" in sheet


def test_the_defense_is_scored_after_the_document_round_closed(client, edition, accepted, groups, jurors, chair):
    close_round(edition, by=chair)
    client.force_login(jurors[0])

    response = post_scores(client, edition, groups["gouvernement"], {defense_criteria(edition)[0].pk: 3})

    assert response.status_code == 200
    assert DefenseScore.objects.count() == 1


def test_only_the_chair_closes_and_reopens_the_score_sheets(client, edition, accepted, jurors, chair):
    client.force_login(jurors[0])
    assert client.post(url("defense_scoring", edition), {"action": "close"}).status_code == 403
    client.force_login(chair)

    client.post(url("defense_scoring", edition), {"action": "close"})
    closed = ReviewSettings.objects.get(edition=edition).defense_closed_at
    client.post(url("defense_scoring", edition), {"action": "reopen"})

    assert closed is not None
    assert ReviewSettings.objects.get(edition=edition).defense_closed_at is None


def test_a_group_not_accepted_cannot_be_scored(client, edition, accepted, groups, jurors):
    client.force_login(jurors[0])

    response = post_scores(client, edition, groups["societe-civile"], {defense_criteria(edition)[0].pk: 3})

    assert response.status_code == 409
    assert not DefenseScore.objects.exists()


def test_an_ended_session_gets_a_401_in_json(client, edition, accepted, groups):
    response = post_scores(client, edition, groups["gouvernement"], {defense_criteria(edition)[0].pk: 3})

    assert response.status_code == 401


@pytest.mark.parametrize("body", ["{", "[]", '{"scores": 3}', '{"scores": {"abc": 3}}'])
def test_unreadable_json_is_a_400(client, edition, accepted, groups, jurors, body):
    client.force_login(jurors[0])

    response = client.post(
        url("defense_score_save", edition, groups["gouvernement"].pk), data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["status"] == "invalid"


def test_the_plain_form_saves_without_javascript(client, edition, accepted, groups, jurors):
    criteria = defense_criteria(edition)
    client.force_login(jurors[1])
    data = {f"c{criterion.pk}": "3" for criterion in criteria}

    response = client.post(url("defense_score_save", edition, groups["secteur-prive"].pk), data)

    assert response.status_code == 302
    assert response.url.endswith(f"#group-{groups['secteur-prive'].pk}")
    assert DefenseScore.objects.filter(juror=jurors[1], group=groups["secteur-prive"]).count() == len(criteria)
    sheet = client.get(url("defense_sheet", edition)).content.decode()
    assert sheet.count('<option value="3" selected>') == len(criteria)


def test_the_plain_form_shows_the_scale_message(client, edition, accepted, groups, jurors):
    first = defense_criteria(edition)[0]
    client.force_login(jurors[1])
    speak(client, "en")

    response = client.post(
        url("defense_score_save", edition, groups["secteur-prive"].pk), {f"c{first.pk}": "9"}, follow=True
    )

    assert "the score must be between 0 and 5" in response.content.decode()
    assert not DefenseScore.objects.exists()


# ---------------------------------------------------------------------------
# Query counts: constant whatever the number of groups


# Session, user, edition, roles, then the page's own reads (order: settings, groups, slots; the sheet adds the
# criteria, the juror's scores, assignments and conflicts).
MOST_QUERIES = {"defense_order": 10, "defense_screen": 7, "defense_questions": 8, "defense_sheet": 13}


@pytest.mark.parametrize("name", list(MOST_QUERIES))
def test_defense_pages_read_a_constant_number_of_queries(
    client, edition, accepted, groups, chair, jurors, name, django_assert_max_num_queries
):
    ConflictOfInterest.objects.create(juror=chair, group=groups["gouvernement"], kind="personal", status="declared")
    client.force_login(chair)
    client.post(url("defense_start", edition, groups["gouvernement"].pk))
    for group in groups.values():
        DefenseScore.objects.bulk_create(
            DefenseScore(group=group, juror=chair, criterion=c, value=3) for c in defense_criteria(edition)
        )

    with CaptureQueriesContext(connection) as small_queries:
        small = client.get(url(name, edition), {"q": 2})
    more_accepted(edition, groups, chair, 4)
    with django_assert_max_num_queries(MOST_QUERIES[name]):
        large = client.get(url(name, edition), {"q": 2})

    assert small.status_code == large.status_code == 200
    assert len(small_queries) <= MOST_QUERIES[name]
    assert shown(small.context) == 2 and shown(large.context) == 6


def shown(context) -> int:
    """How many defending groups a defense page shows."""
    if "cards" in context:
        return len(context["cards"])
    if "columns" in context:
        return sum(len(column.answers) for column in context["columns"])
    return len(context["turns"])


def test_the_chair_sees_how_many_jurors_scored_each_defense(client, edition, accepted, groups, jurors, chair):
    client.force_login(jurors[0])
    post_scores(client, edition, groups["gouvernement"], {defense_criteria(edition)[0].pk: 3})
    client.force_login(chair)
    speak(client, "en")

    html = client.get(url("defense_order", edition)).content.decode()

    assert html.count("scored by 1 juror of 4") == 1
    assert html.count("scored by 0 jurors of 4") == 1

"""The organisers' review settings page: settings, the document and defense rubrics, their validation."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from submissions.forms_review import CriterionFormSet
from submissions.models import Criterion, DefenseScore, Review, ReviewSettings, Score
from submissions.services import jury
from tests.conftest import speak

DOC, DEF = Criterion.Rubric.DOCUMENT, Criterion.Rubric.DEFENSE
FIELDS = ["position", "name_fr", "name_en", "description_fr", "description_en", "scale_min", "scale_max", "weight"]


def url(edition):
    return reverse("submissions:review_settings", args=[edition.slug])


def settings_data(**changes) -> dict:
    data = {
        "aggregation": "mean",
        "reviewers_per_submission": "3",
        "max_per_juror": "",
        "reviews_visible": "after_own",
        "review_deadline": "",
        "document_weight": "70",
        "defense_minutes": "10",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def rubric_data(edition, rubric, *, change=None, delete=(), new=None) -> dict:
    """The rubric's formset as the page posts it; change: {criterion pk: {field: value}}; new: a row's fields."""
    criteria = list(Criterion.objects.filter(edition=edition, rubric=rubric).order_by("position", "pk"))
    rows = len(criteria) + 1
    data = {f"{rubric}-TOTAL_FORMS": str(rows), f"{rubric}-INITIAL_FORMS": str(len(criteria)),
            f"{rubric}-MIN_NUM_FORMS": "0", f"{rubric}-MAX_NUM_FORMS": "20"}  # fmt: skip
    for index, criterion in enumerate(criteria):
        prefix = f"{rubric}-{index}-"
        data[f"{prefix}id"] = str(criterion.pk)
        data[f"{prefix}edition"] = str(edition.pk)
        for name in FIELDS:
            data[prefix + name] = str(getattr(criterion, name))
        if criterion.informational:
            data[f"{prefix}informational"] = "on"
        for name, value in (change or {}).get(criterion.pk, {}).items():
            if value is None:
                data.pop(prefix + name, None)
            else:
                data[prefix + name] = value
        if criterion.pk in delete:
            data[f"{prefix}DELETE"] = "on"
    last = f"{rubric}-{len(criteria)}-"
    data[f"{last}position"] = str(max((c.position for c in criteria), default=0) + 1)
    data[f"{last}scale_min"], data[f"{last}scale_max"], data[f"{last}weight"] = "0", "5", "1"
    for name, value in (new or {}).items():
        data[last + name] = value
    return data


def page_data(edition, settings=None, document=None, defense=None) -> dict:
    return {
        **settings_data(**(settings or {})),
        **rubric_data(edition, DOC, **(document or {})),
        **rubric_data(edition, DEF, **(defense or {})),
    }


def first(edition, rubric=DOC) -> Criterion:
    return Criterion.objects.filter(edition=edition, rubric=rubric).order_by("position").first()


def score(submission, juror, criterion, value=3):
    review = Review.objects.get_or_create(submission=submission, juror=juror)[0]
    return Score.objects.create(review=review, criterion=criterion, value=value)


# --- defaults and the happy path -------------------------------------------------------------------------------------


def test_page_shows_the_default_rubrics_of_both_kinds(client, organiser, edition):
    client.force_login(organiser)

    response = client.get(url(edition))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Qualité de l&#x27;argumentation et des preuves" in html
    assert "Travail d&#x27;équipe" in html
    assert html.count('data-testid="criterion-document"') == 5 + 1
    assert html.count('data-testid="criterion-defense"') == 4 + 1
    assert ReviewSettings.objects.filter(edition=edition).count() == 1


def test_page_is_a_tab_of_the_assignment_settings(client, organiser, edition):
    client.force_login(organiser)

    html = client.get(url(edition)).content.decode()

    assert 'data-testid="assignment-settings-nav"' in html
    assert f'active" aria-current="page" href="{url(edition)}">Jury</a>' in html


def test_saving_changes_settings_and_criteria(client, organiser, edition, review_settings):
    client.force_login(organiser)
    criterion = first(edition)
    data = page_data(
        edition,
        settings={
            "aggregation": "median",
            "reviewers_per_submission": "0",
            "max_per_juror": "4",
            "blind": "on",
            "reviews_visible": "never",
            "document_weight": "60",
        },
        document={"change": {criterion.pk: {"name_en": "Argument", "weight": "2,5"}}},
    )

    response = client.post(url(edition), data)

    assert response.status_code == 302
    review_settings.refresh_from_db()
    assert (review_settings.aggregation, review_settings.reviewers_per_submission, review_settings.max_per_juror) == (
        "median",
        0,
        4,
    )
    assert review_settings.blind and review_settings.reviews_visible == "never"
    assert (review_settings.document_weight, review_settings.defense_weight) == (60, 40)
    criterion.refresh_from_db()
    assert (criterion.name_en, criterion.weight) == ("Argument", Decimal("2.5"))


def test_criteria_are_added_reordered_and_removed(client, organiser, edition, review_settings):
    client.force_login(organiser)
    criteria = list(Criterion.objects.filter(edition=edition, rubric=DEF).order_by("position"))
    data = page_data(
        edition,
        defense={
            "change": {criteria[0].pk: {"position": "2"}, criteria[1].pk: {"position": "1"}},
            "delete": [criteria[3].pk],
            "new": {"name_fr": "Respect du temps", "name_en": "Timing", "scale_max": "10", "informational": "on"},
        },
    )

    response = client.post(url(edition), data)

    assert response.status_code == 302
    names = list(
        Criterion.objects.filter(edition=edition, rubric=DEF).order_by("position").values_list("name_en", "position")
    )
    assert names == [
        (criteria[1].name_en, 1), (criteria[0].name_en, 2), (criteria[2].name_en, 3), ("Timing", 5)
    ]  # fmt: skip
    added = Criterion.objects.get(edition=edition, name_en="Timing")
    assert (added.rubric, added.scale_max, added.informational) == (DEF, 10, True)


def test_a_row_left_as_offered_adds_nothing(client, organiser, edition, review_settings):
    client.force_login(organiser)

    client.post(url(edition), page_data(edition))

    assert Criterion.objects.filter(edition=edition).count() == 9


# --- validation ------------------------------------------------------------------------------------------------------


def test_scale_max_must_exceed_scale_min(client, organiser, edition, review_settings):
    client.force_login(organiser)
    speak(client, "en")
    criterion = first(edition)

    response = client.post(url(edition), page_data(edition, document={"change": {criterion.pk: {"scale_min": "5"}}}))

    assert response.status_code == 400
    assert "The highest score must be above the lowest." in response.content.decode()
    criterion.refresh_from_db()
    assert criterion.scale_min == 0


def test_weight_must_be_positive_unless_informational(client, organiser, edition, review_settings):
    client.force_login(organiser)
    speak(client, "en")
    one, two = Criterion.objects.filter(edition=edition, rubric=DOC).order_by("position")[:2]

    refused = client.post(url(edition), page_data(edition, document={"change": {one.pk: {"weight": "0"}}}))
    accepted = client.post(
        url(edition), page_data(edition, document={"change": {two.pk: {"weight": "0", "informational": "on"}}})
    )

    assert refused.status_code == 400
    assert "A criterion that counts needs a weight above 0" in refused.content.decode()
    assert accepted.status_code == 302
    two.refresh_from_db()
    assert two.informational and two.weight == 0


def test_the_document_rubric_needs_one_criterion_that_counts(client, organiser, edition, review_settings):
    client.force_login(organiser)
    speak(client, "en")
    criteria = Criterion.objects.filter(edition=edition, rubric=DOC)
    everything_informational = {criterion.pk: {"informational": "on"} for criterion in criteria}

    response = client.post(url(edition), page_data(edition, document={"change": everything_informational}))

    assert response.status_code == 400
    assert "The document rubric needs at least one criterion that counts." in response.content.decode()
    assert not Criterion.objects.filter(edition=edition, informational=True).exists()


def test_weight_of_the_document_stays_within_100(client, organiser, edition, review_settings):
    client.force_login(organiser)

    response = client.post(url(edition), page_data(edition, settings={"document_weight": "120"}))

    assert response.status_code == 400
    review_settings.refresh_from_db()
    assert review_settings.document_weight == 70


def test_a_scored_criterion_keeps_its_scale(client, organiser, edition, review_settings, submissions, jurors):
    client.force_login(organiser)
    speak(client, "en")
    criterion = first(edition)
    score(submissions["gouvernement"], jurors[0], criterion)

    response = client.post(url(edition), page_data(edition, document={"change": {criterion.pk: {"scale_max": "10"}}}))

    assert response.status_code == 400
    assert "Reviews already hold scores on this scale" in response.content.decode()
    criterion.refresh_from_db()
    assert criterion.scale_max == 5


def test_a_scored_criterion_can_still_be_renamed(client, organiser, edition, review_settings, submissions, jurors):
    client.force_login(organiser)
    criterion = first(edition)
    score(submissions["gouvernement"], jurors[0], criterion)

    response = client.post(
        url(edition), page_data(edition, document={"change": {criterion.pk: {"name_en": "Evidence"}}})
    )

    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.name_en == "Evidence"


def test_a_scored_defense_criterion_cannot_be_deleted(client, organiser, edition, review_settings, groups, jurors):
    client.force_login(organiser)
    speak(client, "en")
    criterion = first(edition, DEF)
    DefenseScore.objects.create(group=groups["gouvernement"], juror=jurors[0], criterion=criterion, value=4)

    response = client.post(url(edition), page_data(edition, defense={"delete": [criterion.pk]}))

    assert response.status_code == 400
    assert "it cannot be deleted" in response.content.decode()
    assert Criterion.objects.filter(pk=criterion.pk).exists()


def test_service_refuses_a_scale_change_on_a_scored_criterion_under_its_lock(
    organiser, edition, review_settings, submissions, jurors
):
    criterion = first(edition)
    data = rubric_data(edition, DOC, change={criterion.pk: {"scale_max": "10"}})
    formset = CriterionFormSet(data, instance=edition, prefix=DOC, rubric=DOC)
    assert formset.is_valid()
    score(submissions["gouvernement"], jurors[0], criterion)  # scored after the form was checked

    with pytest.raises(jury.JuryRefused):
        jury.save_review_settings(edition, {}, rubrics={DOC: formset}, by=organiser)

    criterion.refresh_from_db()
    assert criterion.scale_max == 5


# --- who may ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["juror", "jury_chair", "participant", "outsider", "other_organiser"])
def test_only_organisers_open_the_settings(client, request, edition, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(edition)).status_code == 403
    assert client.post(url(edition), settings_data()).status_code == 403


def test_staff_opens_the_settings(client, staff, edition):
    client.force_login(staff)

    assert client.get(url(edition)).status_code == 200


def test_anonymous_is_sent_to_log_in(client, edition):
    response = client.get(url(edition))

    assert response.status_code == 302
    assert "login" in response["Location"] or "connexion" in response["Location"]


def test_unknown_edition_is_404(client, organiser):
    client.force_login(organiser)

    assert client.get(reverse("submissions:review_settings", args=["nope"])).status_code == 404


def test_service_refuses_a_juror(juror, edition, review_settings):
    with pytest.raises(PermissionDenied):
        jury.save_review_settings(edition, {"blind": True}, rubrics={}, by=juror)

    review_settings.refresh_from_db()
    assert not review_settings.blind

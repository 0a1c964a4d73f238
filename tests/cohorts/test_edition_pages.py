import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.conftest import speak
from tests.factories import AssignmentFactory, MasterclassFactory, PhaseFactory, QuestionFactory


@pytest.mark.parametrize("persona", ["organiser", "jury_chair", "juror", "participant", "staff"])
def test_members_of_the_edition_see_its_page(client, edition, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(edition.get_absolute_url())

    assert response.status_code == 200
    assert edition.title in response.content.decode()


@pytest.mark.parametrize("persona", ["other_organiser", "outsider"])
def test_people_outside_the_edition_are_refused(client, edition, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(edition.get_absolute_url()).status_code == 403
    assert client.get(reverse("submissions:assignment_detail", args=[edition.slug])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, edition):
    response = client.get(edition.get_absolute_url())

    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


def test_participants_see_whats_next_on_the_timeline(english, client, participant, edition):
    PhaseFactory(edition=edition)
    client.force_login(participant)

    response = client.get(edition.get_absolute_url())

    assert response.context["next_phase"].kind == "workshop"
    assert "In-person workshop" in response.content.decode()


def test_only_organisers_see_the_head_counts(client, organiser, participant, edition):
    client.force_login(participant)
    participant_view = client.get(edition.get_absolute_url())
    client.force_login(organiser)
    organiser_view = client.get(edition.get_absolute_url())

    assert participant_view.context["overview"] is None
    assert dict(organiser_view.context["overview"].counts_by_role)  # one entry per role


def test_the_edition_page_makes_the_same_number_of_queries_for_1_or_10_masterclasses(
    client, participant, edition, django_assert_max_num_queries
):
    client.force_login(participant)
    MasterclassFactory(edition=edition)
    PhaseFactory(edition=edition)
    with django_assert_max_num_queries(10) as few:
        client.get(edition.get_absolute_url())

    MasterclassFactory.create_batch(9, edition=edition)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(edition.get_absolute_url())


def test_the_assignment_reads_in_the_users_language(client, participant, edition):
    assignment = AssignmentFactory(edition=edition)
    QuestionFactory(assignment=assignment, text_fr="Faut-il agir ?", text_en="Should we act?")
    client.force_login(participant)

    url = reverse("submissions:assignment_detail", args=[edition.slug])

    french = client.get(url)
    speak(client, "en")
    english = client.get(url)

    assert "Faut-il agir ?" in french.content.decode()
    assert "Should we act?" in english.content.decode()


def test_an_english_text_left_empty_falls_back_to_french(english, client, participant, edition):
    AssignmentFactory(edition=edition, title_fr="Les coupures d'Internet", title_en="")
    client.force_login(participant)

    response = client.get(reverse("submissions:assignment_detail", args=[edition.slug]))

    assert "Les coupures d&#x27;Internet" in response.content.decode()


def test_the_assignment_page_makes_the_same_number_of_queries_for_1_or_5_questions(
    client, participant, edition, django_assert_max_num_queries
):
    assignment = AssignmentFactory(edition=edition)
    QuestionFactory(assignment=assignment)
    client.force_login(participant)
    url = reverse("submissions:assignment_detail", args=[edition.slug])
    with django_assert_max_num_queries(10) as few:
        client.get(url)

    QuestionFactory.create_batch(4, assignment=assignment)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


@pytest.mark.parametrize(("persona", "sees_jury"), [("juror", True), ("organiser", True), ("participant", False)])
def test_the_jury_list_shows_to_the_jury_and_organisers_only(client, edition, jury_chair, persona, sees_jury, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(edition.get_absolute_url())

    assert ('data-testid="jury-list"' in response.content.decode()) is sees_jury
    if sees_jury:
        assert escape(jury_chair.get_full_name()) in response.content.decode()

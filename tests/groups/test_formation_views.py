"""The formation screen: who may open it, what it shows, its bulk actions, publication, and its query count."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from groups.models import Formation, Membership, PlacementChange
from groups.rules import groups_are_published
from tests.factories import GroupFactory, MembershipFactory, StakeholderTypeFactory, UserFactory

from .views_setup import S, enrol, messages_of


@pytest.fixture
def formation_url(edition):
    return reverse("groups:formation", args=[edition.slug])


@pytest.fixture
def action_url(edition):
    return reverse("groups:formation_action", args=[edition.slug])


@pytest.fixture
def government(edition):
    kind = StakeholderTypeFactory(edition=edition, code="government", name_fr="Gouvernement", name_en="Government",
                                  sectors="gouvernement, ministère")  # fmt: skip
    return GroupFactory(edition=edition, stakeholder_type=kind, name="Gouvernement A")


@pytest.fixture
def business(edition):
    kind = StakeholderTypeFactory(edition=edition, code="private-sector", name_fr="Secteur privé", sectors="privé")
    return GroupFactory(edition=edition, stakeholder_type=kind, name="Secteur privé A")


def place(edition, group, people, **options):
    for person in people:
        MembershipFactory(group=group, user=person, **options)


FORMER_PAGES = ["formation", "automatic", "types", "group_settings"]


@pytest.mark.parametrize("persona", ["participant", "juror", "jury_chair", "other_organiser", "outsider"])
@pytest.mark.parametrize("page", FORMER_PAGES)
def test_only_organisers_open_the_formation_pages(client, edition, persona, page, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse(f"groups:{page}", args=[edition.slug]))

    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["organiser", "staff"])
@pytest.mark.parametrize("page", FORMER_PAGES)
def test_organisers_and_staff_open_the_formation_pages(client, edition, persona, page, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse(f"groups:{page}", args=[edition.slug]))

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser"])
@pytest.mark.parametrize("url_name", ["formation_action", "publication"])
def test_the_formation_actions_refuse_anyone_but_organisers(client, edition, government, persona, url_name, request):
    (person,) = enrol(edition)
    client.force_login(request.getfixturevalue(persona))

    response = client.post(
        reverse(f"groups:{url_name}", args=[edition.slug]),
        {"action": "assign" if url_name == "formation_action" else "publish", "selected": [person.pk],
         "group": government.pk},
    )  # fmt: skip

    assert response.status_code == 403
    assert not Membership.objects.exists()
    assert not groups_are_published(edition)


def test_anonymous_visitors_are_sent_to_log_in(client, edition, formation_url):
    response = client.get(formation_url)

    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


def test_the_screen_shows_unassigned_people_and_the_groups_side_by_side(client, organiser, edition, government):
    waiting = enrol(edition, 2, country="Sénégal", organisation="AGETIC", sector="Gouvernement")
    placed = enrol(edition, 1)
    place(edition, government, placed)
    client.force_login(organiser)

    response = client.get(reverse("groups:formation", args=[edition.slug]))

    board = response.context["board"]
    assert [row.user_id for row in board.unassigned] == sorted(person.pk for person in waiting)
    assert [(card.group, card.size) for card in board.groups] == [(government, 1)]
    html = response.content.decode()
    assert f'data-group="{government.pk}"' in html
    assert "AGETIC" in html
    assert f'name="selected" value="{placed[0].pk}"' in html  # members can be ticked too


def test_withdrawn_and_not_admitted_people_are_not_offered(client, organiser, edition):
    enrol(edition, 1, status=S.WITHDRAWN)
    enrol(edition, 1, status=S.CANDIDATE)
    (admitted,) = enrol(edition, 1, status=S.ADMITTED)
    client.force_login(organiser)

    response = client.get(reverse("groups:formation", args=[edition.slug]))

    assert [row.user_id for row in response.context["board"].unassigned] == [admitted.pk]


def test_the_search_of_unassigned_people_ignores_accents_and_case(client, organiser, edition):
    (traore,) = enrol(edition)
    traore.last_name = "Traoré"
    traore.save()
    enrol(edition, 2)
    client.force_login(organiser)

    response = client.get(reverse("groups:formation", args=[edition.slug]), {"q": "TRAORE"})

    board = response.context["board"]
    assert [row.user_id for row in board.unassigned] == [traore.pk]
    assert board.unassigned_total == 3


def test_each_group_shows_its_balance_figures(english, client, organiser, edition, government):
    government.min_size, government.max_size = 5, 6
    government.save()
    women = enrol(edition, 2, gender="female", organisation="AGETIC", country="Mali", sector="Ministère")
    men = enrol(edition, 1, gender="male", organisation="Orange Mali", country="Sénégal", sector="Privé")
    place(edition, government, women + men)
    Membership.objects.filter(user=men[0]).update(pinned=True)
    client.force_login(organiser)

    response = client.get(reverse("groups:formation", args=[edition.slug]))

    (card,) = response.context["board"].groups
    with translation.override("en"):
        assert [(str(label), count) for label, count in card.by_gender] == [("Woman", 2), ("Man", 1)]
    assert (card.size, card.organisations, card.countries, card.own_sector, card.pinned) == (3, 2, 2, 2, 1)
    assert card.size_state == "under"


def test_a_withdrawn_member_is_flagged_in_their_group(client, organiser, edition, government):
    (leaver,) = enrol(edition, status=S.WITHDRAWN)
    place(edition, government, [leaver])
    client.force_login(organiser)

    response = client.get(reverse("groups:formation", args=[edition.slug]))

    assert response.context["board"].not_placeable == 1
    assert response.context["board"].groups[0].not_placeable == 1


def test_ticked_people_are_placed_in_the_chosen_group(client, organiser, edition, government, action_url):
    people = enrol(edition, 2)
    client.force_login(organiser)

    response = client.post(
        action_url, {"action": "assign", "selected": [p.pk for p in people], "group": government.pk}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("groups:formation", args=[edition.slug]) + "?"
    assert set(government.memberships.values_list("user_id", flat=True)) == {p.pk for p in people}
    assert PlacementChange.objects.filter(to_group=government, by=organiser).count() == 2
    assert any("2" in message for message in messages_of(response))


def test_the_action_comes_back_to_the_same_page_and_search(client, organiser, edition, government, action_url):
    (person,) = enrol(edition)
    client.force_login(organiser)

    response = client.post(
        f"{action_url}?q=diaye&page=2", {"action": "assign", "selected": [person.pk], "group": government.pk}
    )

    assert response.url == reverse("groups:formation", args=[edition.slug]) + "?q=diaye&page=2"


def test_a_member_is_moved_to_another_group(client, organiser, edition, government, business, action_url):
    (person,) = enrol(edition)
    place(edition, government, [person])
    client.force_login(organiser)

    client.post(action_url, {"action": "assign", "selected": [person.pk], "group": business.pk})

    assert Membership.objects.get(user=person).group == business


def test_a_full_group_refuses_everyone_and_says_why(client, organiser, edition, government, action_url):
    government.max_size = 1
    government.save()
    people = enrol(edition, 2)
    client.force_login(organiser)

    response = client.post(
        action_url, {"action": "assign", "selected": [p.pk for p in people], "group": government.pk}, follow=True
    )

    assert not Membership.objects.exists()
    html = response.content.decode()
    assert 'class="alert alert-danger"' in html
    assert escape("Gouvernement A") in html


def test_a_group_of_another_edition_is_refused(english, client, organiser, edition, other_edition, action_url):
    foreign = GroupFactory(edition=other_edition, name="Ailleurs")
    (person,) = enrol(edition)
    client.force_login(organiser)

    response = client.post(action_url, {"action": "assign", "selected": [person.pk], "group": foreign.pk}, follow=True)

    assert not Membership.objects.exists()
    assert messages_of(response) == ["This group does not belong to this edition: nobody was placed."]
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize("tampered", [["1 OR 1=1"], ["-3"], ["12abc", "7"]])
def test_tampered_ids_are_refused_clearly_and_nothing_changes(
    client, organiser, edition, government, action_url, tampered
):
    enrol(edition)
    client.force_login(organiser)

    response = client.post(action_url, {"action": "assign", "selected": tampered, "group": government.pk}, follow=True)

    assert not Membership.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_someone_outside_the_cohort_is_refused_without_revealing_who(
    client, organiser, edition, government, action_url
):
    (person,) = enrol(edition)
    stranger = UserFactory(first_name="Hamidou", last_name="Secret")
    client.force_login(organiser)

    response = client.post(
        action_url, {"action": "assign", "selected": [person.pk, stranger.pk], "group": government.pk}, follow=True
    )

    assert not Membership.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "Secret" not in " ".join(messages_of(response))


def test_an_unknown_action_changes_nothing(client, organiser, edition, government, action_url):
    (person,) = enrol(edition)
    client.force_login(organiser)

    response = client.post(
        action_url, {"action": "explode", "selected": [person.pk], "group": government.pk}, follow=True
    )

    assert not Membership.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_placing_asks_for_a_group_and_for_someone_ticked(client, organiser, edition, government, action_url):
    (person,) = enrol(edition)
    client.force_login(organiser)

    without_group = client.post(action_url, {"action": "assign", "selected": [person.pk]}, follow=True)
    without_people = client.post(action_url, {"action": "assign", "group": government.pk}, follow=True)

    assert not Membership.objects.exists()
    assert [m.level_tag for m in without_group.context["messages"]] == ["error"]
    assert [m.level_tag for m in without_people.context["messages"]] == ["error"]


def test_members_are_taken_out_pinned_and_unpinned(client, organiser, edition, government, action_url):
    people = enrol(edition, 3)
    place(edition, government, people)
    client.force_login(organiser)

    client.post(action_url, {"action": "pin", "selected": [people[0].pk, people[1].pk]})
    client.post(action_url, {"action": "unpin", "selected": [people[1].pk]})
    client.post(action_url, {"action": "remove", "selected": [people[2].pk]})

    assert dict(Membership.objects.values_list("user_id", "pinned")) == {people[0].pk: True, people[1].pk: False}
    assert PlacementChange.objects.filter(user=people[2], from_group=government, to_group=None).exists()


def test_pinning_someone_without_a_group_says_nothing_changed(client, organiser, edition, action_url):
    (person,) = enrol(edition)
    client.force_login(organiser)

    response = client.post(action_url, {"action": "pin", "selected": [person.pk]}, follow=True)

    assert [m.level_tag for m in response.context["messages"]] == ["info"]


def test_one_member_becomes_coordinator_in_place_of_the_previous_one(
    client, organiser, edition, government, action_url
):
    first, second = enrol(edition, 2)
    place(edition, government, [first], group_role=Membership.GroupRole.COORDINATOR)
    place(edition, government, [second])
    client.force_login(organiser)

    client.post(action_url, {"action": "coordinator", "selected": [second.pk]})

    assert dict(Membership.objects.values_list("user_id", "group_role")) == {
        first.pk: "member",
        second.pk: "coordinator",
    }


def test_a_coordinator_is_one_person(client, organiser, edition, government, action_url):
    people = enrol(edition, 2)
    place(edition, government, people)
    client.force_login(organiser)

    response = client.post(action_url, {"action": "coordinator", "selected": [p.pk for p in people]}, follow=True)

    assert not Membership.objects.filter(group_role="coordinator").exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_the_action_address_takes_posts_only(client, organiser, edition, action_url):
    client.force_login(organiser)

    assert client.get(action_url).status_code == 405


def test_the_page_loads_its_script_from_a_file_and_has_no_inline_script(client, organiser, edition, government):
    client.force_login(organiser)

    html = client.get(reverse("groups:formation", args=[edition.slug])).content.decode()

    assert re.search(r'<script src="/static/groups/formation\.js" defer></script>', html)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no inline event handler either


def test_member_lists_fold_into_one_group_at_a_time_for_a_big_cohort(
    client, organiser, edition, government, business, monkeypatch
):
    monkeypatch.setattr("groups.services.formation.INLINE_MEMBERS_UP_TO", 2)
    place(edition, government, enrol(edition, 2))
    place(edition, business, enrol(edition, 1))
    client.force_login(organiser)
    url = reverse("groups:formation", args=[edition.slug])

    folded = client.get(url).content.decode()
    opened = client.get(url, {"ouvert": business.pk}).content.decode()

    assert folded.count('data-testid="members"') == 0
    assert f"ouvert={government.pk}" in folded
    assert opened.count('data-testid="members"') == 1
    assert "<details open>" in opened


def test_publishing_shows_the_groups_and_emails_each_member(
    client, organiser, edition, government, django_capture_on_commit_callbacks
):
    people = enrol(edition, 2)
    place(edition, government, people)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("groups:publication", args=[edition.slug]), {"action": "publish"}, follow=True)

    assert Formation.objects.get(edition=edition).published_by == organiser
    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in people)
    assert 'data-testid="unpublish"' in response.content.decode()
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_publishing_twice_says_so_and_sends_nothing_more(
    client, organiser, edition, government, django_capture_on_commit_callbacks
):
    place(edition, government, enrol(edition))
    client.force_login(organiser)
    url = reverse("groups:publication", args=[edition.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "publish"}, follow=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "publish"}, follow=True)

    assert len(mail.outbox) == 1
    assert [m.level_tag for m in response.context["messages"]] == ["info"]


def test_hiding_the_groups_again(client, organiser, edition, government):
    Formation.objects.create(edition=edition, published_at="2023-09-20T10:00:00Z", published_by=organiser)
    client.force_login(organiser)

    response = client.post(reverse("groups:publication", args=[edition.slug]), {"action": "unpublish"}, follow=True)

    assert Formation.objects.get(edition=edition).published_at is None
    assert 'data-testid="publish"' in response.content.decode()


def test_the_publish_button_warns_of_people_still_without_a_group(client, organiser, edition, government):
    enrol(edition, 3)
    client.force_login(organiser)

    response = client.get(reverse("groups:formation", args=[edition.slug]))

    assert response.context["board"].unassigned_total == 3
    assert 'data-testid="publication-status"' in response.content.decode()


def _cohort(edition, groups, size):
    """`size` people: a third unassigned, the rest spread over `groups`, a few pinned, one coordinator each."""
    people = enrol(edition, size, gender="female")
    for index, person in enumerate(people[size // 3 :]):
        MembershipFactory(group=groups[index % len(groups)], user=person, pinned=index % 4 == 0)
    return people


def test_the_screen_reads_the_same_number_of_queries_for_5_or_60_participants(
    client, organiser, edition, government, business, django_assert_max_num_queries
):
    client.force_login(organiser)
    url = reverse("groups:formation", args=[edition.slug])
    _cohort(edition, [government, business], 5)
    with django_assert_max_num_queries(12) as small:
        client.get(url)

    _cohort(edition, [government, business], 55)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)

    assert response.context["board"].placed + response.context["board"].unassigned_total == 60
    assert len(large.captured_queries) == len(small.captured_queries)

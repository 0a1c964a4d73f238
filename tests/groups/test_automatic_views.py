"""The automatic assignment page: parameters, a preview that writes nothing, applying exactly what was previewed."""

import re

import pytest
from django.urls import reverse

from groups.models import Group, Membership, PlacementChange
from tests.factories import GroupFactory, MembershipFactory, StakeholderTypeFactory

from .views_setup import enrol, messages_of

SECTORS = ["Gouvernement", "Secteur privé", "Société civile"]


@pytest.fixture
def url(edition):
    return reverse("groups:automatic", args=[edition.slug])


def cohort(edition, count):
    people = []
    for index in range(count):
        people += enrol(
            edition,
            gender="female" if index % 2 else "male",
            organisation=f"Organisation {index % 4}",
            country=["Mali", "Sénégal"][index % 2],
            sector=SECTORS[index % 3],
        )
    return people


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))


def test_the_form_offers_a_fresh_draw_number_and_the_usual_mode(client, organiser, edition, url):
    client.force_login(organiser)

    response = client.get(url)

    html = response.content.decode()
    seed = int(re.search(r'name="seed" id="id_seed" min="0" max="999999" value="(\d+)"', html).group(1))
    assert 1 <= seed <= 9999
    assert re.search(r'value="other" id="mode-other" [^>]*checked', html)
    assert 'name="groups_per_type"' in html  # the edition has no group yet
    assert response.context["plan"] is None


def test_groups_per_role_is_asked_only_while_the_edition_has_no_group(client, organiser, edition, url):
    GroupFactory(edition=edition)
    client.force_login(organiser)

    response = client.get(url)

    assert 'name="groups_per_type"' not in response.content.decode()


def test_the_preview_shows_each_group_and_writes_nothing(english, client, organiser, edition, url):
    cohort(edition, 9)
    client.force_login(organiser)

    response = client.get(url, {"mode": "other", "seed": "42", "groups_per_type": "1"})

    plan = response.context["plan"]
    assert [figures.name for figures in plan.groups] == ["Gouvernement", "Secteur privé", "Société civile"]
    assert (plan.placed, plan.moved, plan.unplaced, plan.size_spread) == (9, 0, 0, 0)
    html = response.content.decode()
    assert 'data-testid="preview-table"' in html
    assert html.count(">new</span>") == 3
    assert not Group.objects.exists()
    assert not Membership.objects.exists()


def test_the_apply_button_posts_the_same_parameters_and_the_fingerprint(client, organiser, edition, url):
    cohort(edition, 6)
    client.force_login(organiser)

    response = client.get(url, {"mode": "own", "seed": "7", "groups_per_type": "2", "rebalance": "on"})

    fields = hidden_fields(response.content.decode())
    fields.pop("csrfmiddlewaretoken", None)
    assert fields == {
        "mode": "own",
        "seed": "7",
        "groups_per_type": "2",
        "rebalance": "on",
        "fingerprint": response.context["plan"].fingerprint,
    }


def test_applying_the_preview_places_everyone_and_comes_back_to_the_formation_screen(
    english, client, organiser, edition, url
):
    people = cohort(edition, 9)
    client.force_login(organiser)
    preview = client.get(url, {"mode": "other", "seed": "42", "groups_per_type": "1"})

    response = client.post(url, hidden_fields(preview.content.decode()), follow=True)

    assert response.redirect_chain == [(reverse("groups:formation", args=[edition.slug]), 302)]
    assert Group.objects.filter(edition=edition).count() == 3
    assert set(Membership.objects.values_list("user_id", flat=True)) == {person.pk for person in people}
    assert PlacementChange.objects.filter(by=organiser).count() == 9
    assert messages_of(response) == ["Automatic assignment done: 9 placed, 0 moved, 0 still without a group."]
    expected = {figures.name: figures.size for figures in preview.context["plan"].groups}
    assert {card.group.name: card.size for card in response.context["board"].groups} == expected


def test_applying_after_the_cohort_changed_refuses_and_shows_the_new_preview(client, organiser, edition, url):
    cohort(edition, 6)
    client.force_login(organiser)
    preview = client.get(url, {"mode": "other", "seed": "1", "groups_per_type": "1"})
    cohort(edition, 1)  # someone was admitted meanwhile

    response = client.post(url, hidden_fields(preview.content.decode()))

    assert response.status_code == 200
    assert not Membership.objects.exists() and not Group.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert response.context["plan"].placed == 7
    assert hidden_fields(response.content.decode())["fingerprint"] == response.context["plan"].fingerprint


def test_a_tampered_fingerprint_changes_nothing(client, organiser, edition, url):
    cohort(edition, 3)
    client.force_login(organiser)
    preview = client.get(url, {"mode": "other", "seed": "1", "groups_per_type": "1"})
    fields = {**hidden_fields(preview.content.decode()), "fingerprint": "0" * 16}

    response = client.post(url, fields)

    assert not Membership.objects.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_wrong_draw_number_is_shown_as_an_error_without_preview(client, organiser, edition, url):
    client.force_login(organiser)

    response = client.get(url, {"mode": "other", "seed": "-5"})

    assert response.context["plan"] is None
    assert response.context["form"].errors["seed"]
    assert "is-invalid" in response.content.decode()


def test_an_unknown_mode_is_refused(client, organiser, edition, url):
    cohort(edition, 3)
    client.force_login(organiser)

    response = client.post(url, {"mode": "chaos", "seed": "1", "fingerprint": "x"})

    assert response.status_code == 200
    assert not Membership.objects.exists()
    assert response.context["form"].errors["mode"]


def test_pinned_people_stay_when_everyone_else_is_rebalanced(client, organiser, edition, url):
    kind = StakeholderTypeFactory(edition=edition, code="government", name_fr="Gouvernement")
    first = GroupFactory(edition=edition, stakeholder_type=kind, name="A")
    GroupFactory(edition=edition, stakeholder_type=kind, name="B")
    people = cohort(edition, 6)
    MembershipFactory(group=first, user=people[0], pinned=True)
    for person in people[1:]:
        MembershipFactory(group=first, user=person)
    client.force_login(organiser)
    preview = client.get(url, {"mode": "ignore", "seed": "3", "rebalance": "on"})

    client.post(url, hidden_fields(preview.content.decode()))

    assert Membership.objects.get(user=people[0]).group == first
    assert preview.context["plan"].moved == 3
    assert sorted(g.memberships.count() for g in Group.objects.all()) == [3, 3]


def test_when_everyone_is_placed_there_is_nothing_to_apply(client, organiser, edition, url):
    group = GroupFactory(edition=edition)
    for person in cohort(edition, 2):
        MembershipFactory(group=group, user=person)
    client.force_login(organiser)

    response = client.get(url, {"mode": "other", "seed": "1"})

    html = response.content.decode()
    assert 'data-testid="nothing-to-do"' in html
    assert 'data-testid="apply"' not in html

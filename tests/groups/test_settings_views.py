"""The organisers' lists: the roles (stakeholder types) and the groups, saved all or nothing."""

import pytest
from django.urls import reverse

from groups import services
from groups.forms import GroupFormSet, group_form_choices
from groups.models import Group, Membership, StakeholderType
from tests.factories import GroupFactory, MembershipFactory, StakeholderTypeFactory

from .views_setup import enrol, messages_of


@pytest.fixture
def types_url(edition):
    return reverse("groups:types", args=[edition.slug])


@pytest.fixture
def groups_url(edition):
    return reverse("groups:group_settings", args=[edition.slug])


def management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def type_row(index: int, kind=None, **values) -> dict:
    fields = {"name_fr": "", "name_en": "", "brief_fr": "", "brief_en": "", "sectors": "", "position": "0"}
    if kind is not None:
        fields.update({name: getattr(kind, name) for name in fields}, id=kind.pk, edition=kind.edition_id)
    fields.update(values)
    return {f"types-{index}-{name}": value for name, value in fields.items()}


def group_row(index: int, group=None, **values) -> dict:
    fields = {"name": "", "stakeholder_type": "", "min_size": "", "max_size": "", "mentor": ""}
    if group is not None:
        fields.update(
            name=group.name, stakeholder_type=group.stakeholder_type_id, id=group.pk, edition=group.edition_id
        )
        fields.update(min_size=group.min_size or "", max_size=group.max_size or "", mentor=group.mentor_id or "")
    fields.update(values)
    return {f"groups-{index}-{name}": value for name, value in fields.items()}


def test_organisers_rename_a_role_and_write_its_briefs(client, organiser, edition, types_url):
    kind = StakeholderTypeFactory(edition=edition, code="government", name_fr="Gouv", name_en="Gov")
    client.force_login(organiser)

    response = client.post(types_url, {
        **management("types", 1, 1),
        **type_row(0, kind, name_fr="Gouvernement", brief_fr="Vous représentez l'État.", brief_en="You are the State."),
    })  # fmt: skip

    assert response.status_code == 302
    kind.refresh_from_db()
    assert (kind.name_fr, kind.brief_fr, kind.brief_en, kind.code) == (
        "Gouvernement", "Vous représentez l'État.", "You are the State.", "government",
    )  # fmt: skip


def test_a_new_role_gets_a_code_from_its_name(client, organiser, edition, types_url):
    StakeholderTypeFactory(edition=edition, code="media", name_fr="Médias", name_en="Media")
    client.force_login(organiser)

    client.post(types_url, {**management("types", 1, 0), **type_row(0, name_fr="Les médias", name_en="Media")})

    assert set(StakeholderType.objects.filter(edition=edition).values_list("code", flat=True)) == {"media", "media-2"}


def test_a_role_played_by_a_group_is_not_deleted(english, client, organiser, edition, types_url):
    group = GroupFactory(edition=edition)
    kind = group.stakeholder_type
    client.force_login(organiser)

    response = client.post(types_url, {**management("types", 1, 1), **type_row(0, kind, DELETE="on")})

    assert response.status_code == 200
    assert StakeholderType.objects.filter(pk=kind.pk).exists()
    assert 'data-testid="formset-errors"' in response.content.decode()
    assert "cannot be deleted" in response.content.decode()


def test_a_role_without_group_is_deleted(client, organiser, edition, types_url):
    kind = StakeholderTypeFactory(edition=edition)
    client.force_login(organiser)

    client.post(types_url, {**management("types", 1, 1), **type_row(0, kind, DELETE="on")})

    assert not StakeholderType.objects.filter(pk=kind.pk).exists()


def test_the_usual_roles_are_offered_including_technical_community_and_academia(client, organiser, edition, types_url):
    StakeholderTypeFactory(edition=edition, code="government")
    client.force_login(organiser)

    form = client.get(types_url).context["defaults_form"]
    response = client.post(types_url, {"add_defaults": "", "codes": ["technical-community", "academia"]})

    assert [code for code, _label in form.fields["codes"].choices] == [
        "private-sector", "civil-society", "technical-community", "academia",
    ]  # fmt: skip
    assert form.fields["codes"].initial == ["private-sector", "civil-society"]
    assert response.status_code == 302
    assert set(edition.stakeholder_types.values_list("code", flat=True)) == {
        "government", "technical-community", "academia",
    }  # fmt: skip


def test_adding_usual_roles_needs_one_ticked(client, organiser, edition, types_url):
    client.force_login(organiser)

    response = client.post(types_url, {"add_defaults": ""})

    assert response.status_code == 200
    assert not StakeholderType.objects.exists()


def test_organisers_set_a_groups_name_sizes_and_mentor(client, organiser, juror, edition, groups_url):
    group = GroupFactory(edition=edition, name="Gouvernement")
    client.force_login(organiser)

    response = client.post(groups_url, {
        **management("groups", 1, 1),
        **group_row(0, group, name="Gouvernement A", min_size="4", max_size="8", mentor=juror.pk),
    })  # fmt: skip

    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.min_size, group.max_size, group.mentor) == ("Gouvernement A", 4, 8, juror)


def test_mentors_are_chosen_among_organisers_and_jurors_only(
    client, organiser, juror, participant, edition, groups_url
):
    group = GroupFactory(edition=edition)
    client.force_login(organiser)

    page = client.get(groups_url)
    response = client.post(groups_url, {**management("groups", 1, 1), **group_row(0, group, mentor=participant.pk)})

    choices = [value for value, _label in page.context["formset"].forms[0].fields["mentor"].choices]
    assert set(choices) == {"", organiser.pk, juror.pk}
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.mentor is None


def test_a_minimum_above_the_maximum_is_refused(client, organiser, edition, groups_url):
    group = GroupFactory(edition=edition)
    client.force_login(organiser)

    response = client.post(
        groups_url, {**management("groups", 1, 1), **group_row(0, group, min_size="9", max_size="5")}
    )

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["max_size"]
    group.refresh_from_db()
    assert group.max_size is None


def test_a_maximum_below_the_members_already_placed_is_refused(client, organiser, edition, groups_url):
    group = GroupFactory(edition=edition)
    for person in enrol(edition, 3):
        MembershipFactory(group=group, user=person)
    client.force_login(organiser)

    response = client.post(groups_url, {**management("groups", 1, 1), **group_row(0, group, max_size="2")})

    assert response.context["formset"].forms[0].errors["max_size"]
    group.refresh_from_db()
    assert group.max_size is None


def test_a_group_with_members_is_not_deleted(english, client, organiser, edition, groups_url):
    group = GroupFactory(edition=edition, name="Société civile")
    (person,) = enrol(edition)
    MembershipFactory(group=group, user=person)
    client.force_login(organiser)

    response = client.post(groups_url, {**management("groups", 1, 1), **group_row(0, group, DELETE="on")})

    assert Group.objects.filter(pk=group.pk).exists()
    assert Membership.objects.filter(group=group).count() == 1
    assert "Société civile has members" in response.content.decode()


def test_an_empty_group_is_deleted(client, organiser, edition, groups_url):
    group = GroupFactory(edition=edition)
    client.force_login(organiser)

    client.post(groups_url, {**management("groups", 1, 1), **group_row(0, group, DELETE="on")})

    assert not Group.objects.filter(pk=group.pk).exists()


def test_a_group_filled_after_the_page_was_read_is_still_not_deleted(organiser, edition):
    group = GroupFactory(edition=edition)
    data = {**management("groups", 1, 1), **group_row(0, group, DELETE="on")}
    choices = group_form_choices(edition.stakeholder_types.all(), services.mentor_candidates(edition))
    formset = GroupFormSet(data, instance=edition, prefix="groups", form_kwargs=choices)
    assert formset.is_valid()
    (person,) = enrol(edition)
    MembershipFactory(group=group, user=person)  # placed by another organiser meanwhile

    with pytest.raises(services.PlacementRefused):
        services.save_groups(edition, formset, by=organiser)

    assert Membership.objects.filter(group=group).exists()


def test_n_groups_are_created_for_every_role(english, client, organiser, edition, groups_url):
    StakeholderTypeFactory(edition=edition, code="government", name_fr="Gouvernement", position=0)
    StakeholderTypeFactory(edition=edition, code="academia", name_fr="Université", position=1)
    client.force_login(organiser)

    response = client.post(groups_url, {"create": "", "per_type": "2"}, follow=True)

    assert sorted(Group.objects.filter(edition=edition).values_list("name", flat=True)) == [
        "Gouvernement A", "Gouvernement B", "Université A", "Université B",
    ]  # fmt: skip
    assert messages_of(response) == ["4 groups created."]


def test_the_group_list_reads_a_constant_number_of_queries(
    client, organiser, juror, edition, groups_url, django_assert_max_num_queries
):
    GroupFactory(edition=edition)
    client.force_login(organiser)
    with django_assert_max_num_queries(15) as few:
        client.get(groups_url)

    kind = StakeholderTypeFactory(edition=edition)
    GroupFactory.create_batch(6, edition=edition, stakeholder_type=kind)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(groups_url)

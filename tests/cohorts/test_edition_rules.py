import pytest

PERSONAS = ["organiser", "jury_chair", "juror", "participant", "other_organiser", "outsider", "staff"]
EXPECTED = {
    # perm: personas granted it in `edition`
    "cohorts.view_edition": {"organiser", "jury_chair", "juror", "participant", "staff"},
    "cohorts.manage_edition": {"organiser", "staff"},
    "cohorts.invite_to_edition": {"organiser", "staff"},
    "cohorts.view_jury_area": {"organiser", "jury_chair", "juror", "staff"},
    "cohorts.chair_jury": {"jury_chair", "staff"},
    "submissions.view_assignment": {"organiser", "jury_chair", "juror", "participant", "staff"},
    "cohorts.view_roster": {"organiser", "staff"},
    "cohorts.import_participants": {"organiser", "staff"},
    "cohorts.take_attendance": {"organiser", "staff"},
}


@pytest.mark.parametrize("perm", sorted(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_gets_exactly_its_permissions_in_its_own_edition(perm, persona, edition, request):
    user = request.getfixturevalue(persona)

    assert user.has_perm(perm, edition) is (persona in EXPECTED[perm])


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_roles_do_not_leak_into_another_edition(perm, organiser, jury_chair, participant, other_edition):
    assert not any(user.has_perm(perm, other_edition) for user in (organiser, jury_chair, participant))


def test_anonymous_visitors_hold_no_edition_permission(edition):
    from django.contrib.auth.models import AnonymousUser

    assert not any(AnonymousUser().has_perm(perm, edition) for perm in EXPECTED)


def test_roles_are_read_in_one_query_per_request(organiser, edition, other_edition, django_assert_num_queries):
    with django_assert_num_queries(1):
        for perm in EXPECTED:
            organiser.has_perm(perm, edition)
            organiser.has_perm(perm, other_edition)

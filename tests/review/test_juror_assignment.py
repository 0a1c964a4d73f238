"""Assignment of jurors to groups' documents: automatic (balanced, capped, respecting conflicts) and by hand; the
chair's jury page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cohorts.models import Role
from groups.models import StakeholderType
from submissions.models import ConflictOfInterest, ReviewAssignment, Submission
from submissions.services import jury
from tests.conftest import speak
from tests.factories import GroupFactory, StakeholderTypeFactory

from .conftest import person

Kind, Status = ConflictOfInterest.Kind, ConflictOfInterest.Status


def more_jurors(edition, count, start=10):
    return [
        person(edition, f"jure{n}@univ{n}.ml", f"Juré{n}", "Jury", role=Role.JUROR, organisation=f"Université {n}")
        for n in range(start, start + count)
    ]


def more_groups(edition, count, *, submitted=True):
    """Groups with a submitted document (rows written directly: submitting is tested apart)."""
    kind = StakeholderType.objects.filter(edition=edition, code="tech").first() or StakeholderTypeFactory(
        edition=edition, code="tech", name_fr="Technique", name_en="Technical", position=9
    )
    start = kind.groups.count()
    made = []
    for n in range(start, start + count):
        group = GroupFactory(edition=edition, stakeholder_type=kind, name=f"Technique {n}")
        if submitted:
            Submission.objects.create(group=group, number=1, declaration="ok")
        made.append(group)
    return made


def loads(edition, jurors):
    return [ReviewAssignment.objects.filter(group__edition=edition, juror=juror).count() for juror in jurors]


def set_review(review_settings, **values):
    for name, value in values.items():
        setattr(review_settings, name, value)
    review_settings.save()


# --- automatic -------------------------------------------------------------------------------------------------------


def test_auto_assign_balances_loads_within_one(edition, submissions, jurors, chair, review_settings):
    set_review(review_settings, reviewers_per_submission=2)
    more_groups(edition, 4)
    everyone = [*jurors, chair]

    result = jury.auto_assign(edition, by=chair)

    counts = loads(edition, everyone)
    assert len(result.created) == 7 * 2 and sum(counts) == 14
    assert max(counts) - min(counts) <= 1
    assert result.understaffed == []
    for group_id in {row.group_id for row in result.created}:
        assert ReviewAssignment.objects.filter(group_id=group_id).count() == 2


def test_auto_assign_is_deterministic_and_keeps_what_exists(edition, submissions, jurors, chair, review_settings):
    set_review(review_settings, reviewers_per_submission=2)
    kept = ReviewAssignment.objects.create(group=submissions["gouvernement"].group, juror=jurors[2])
    first = jury.auto_assign(edition, by=chair)
    made = set(ReviewAssignment.objects.values_list("group_id", "juror_id"))

    again = jury.auto_assign(edition, by=chair)

    assert again.created == [] and again.understaffed == []
    assert set(ReviewAssignment.objects.values_list("group_id", "juror_id")) == made
    assert ReviewAssignment.objects.filter(pk=kept.pk).exists()
    assert ReviewAssignment.objects.filter(group=submissions["gouvernement"].group).count() == 2
    assert len(first.created) == 5


def test_auto_assign_only_staffs_groups_with_a_document(edition, submissions, jurors, chair, review_settings):
    empty = more_groups(edition, 1, submitted=False)[0]
    withdrawn = more_groups(edition, 1)[0]
    Submission.objects.filter(group=withdrawn).update(state=Submission.State.WITHDRAWN)

    jury.auto_assign(edition, by=chair)

    assert not ReviewAssignment.objects.filter(group__in=[empty, withdrawn]).exists()
    assert ReviewAssignment.objects.count() == 3 * 3


def test_max_per_juror_is_honoured_and_shortfall_reported(edition, submissions, jurors, chair, review_settings):
    set_review(review_settings, reviewers_per_submission=3, max_per_juror=2)
    more_groups(edition, 2)

    result = jury.auto_assign(edition, by=chair)

    assert all(load <= 2 for load in loads(edition, [*jurors, chair]))
    assert len(result.created) == 4 * 2
    assert sum(row.wanted - row.assigned for row in result.understaffed) == 5 * 3 - 8
    assert all(row.wanted == 3 for row in result.understaffed)


def test_zero_reviewers_per_submission_means_every_juror_without_a_conflict(
    edition, submissions, jurors, chair, review_settings, groups
):
    set_review(review_settings, reviewers_per_submission=0)
    ConflictOfInterest.objects.create(
        juror=jurors[1], group=groups["gouvernement"], kind=Kind.OTHER, status="confirmed"
    )
    ConflictOfInterest.objects.create(
        juror=jurors[2], group=groups["gouvernement"], kind=Kind.OTHER, status="dismissed"
    )

    result = jury.auto_assign(edition, by=chair)

    assigned = set(ReviewAssignment.objects.values_list("juror_id", "group_id"))
    everyone = {juror.pk for juror in [*jurors, chair]}
    assert {juror for juror, group in assigned if group == groups["gouvernement"].pk} == everyone - {jurors[1].pk}
    assert {juror for juror, group in assigned if group == groups["secteur-prive"].pk} == everyone
    assert result.understaffed == []


def test_a_group_nobody_may_review_is_reported(edition, submissions, jurors, chair, review_settings, groups):
    set_review(review_settings, reviewers_per_submission=0)
    for juror in [*jurors, chair]:
        ConflictOfInterest.objects.create(juror=juror, group=groups["gouvernement"], kind=Kind.OTHER, status="declared")

    result = jury.auto_assign(edition, by=chair)

    assert [(row.group, row.assigned) for row in result.understaffed] == [(groups["gouvernement"], 0)]


def test_auto_assign_is_for_the_chair(edition, submissions, jurors, organiser):
    with pytest.raises(PermissionDenied):
        jury.auto_assign(edition, by=jurors[0])

    assert jury.auto_assign(edition, by=organiser).created


# --- by hand ---------------------------------------------------------------------------------------------------------


def test_assign_and_unassign_by_hand(edition, groups, jurors, chair):
    group = groups["gouvernement"]

    assignment = jury.assign_juror(group, jurors[0], by=chair)
    twice = jury.assign_juror(group, jurors[0], by=chair)

    assert (assignment.juror, assignment.assigned_by) == (jurors[0], chair) and twice.pk == assignment.pk
    assert jury.unassign_juror(group, jurors[0], by=chair)
    assert not jury.unassign_juror(group, jurors[0], by=chair)
    assert not ReviewAssignment.objects.exists()


def test_hand_assignment_refuses_over_the_maximum(edition, groups, jurors, chair, review_settings):
    set_review(review_settings, max_per_juror=1)
    jury.assign_juror(groups["gouvernement"], jurors[0], by=chair)

    with pytest.raises(ValidationError):
        jury.assign_juror(groups["secteur-prive"], jurors[0], by=chair)


def test_hand_assignment_refuses_someone_off_the_jury(edition, groups, member, chair):
    with pytest.raises(ValidationError):
        jury.assign_juror(groups["gouvernement"], member, by=chair)

    assert not ReviewAssignment.objects.exists()


def test_a_juror_cannot_assign(edition, groups, jurors):
    with pytest.raises(PermissionDenied):
        jury.assign_juror(groups["gouvernement"], jurors[0], by=jurors[0])


def test_the_chair_assigning_themselves_sees_the_group_at_once(edition, groups, chair):
    group = groups["gouvernement"]
    assert not chair.has_perm("submissions.review_group", group)

    jury.assign_juror(group, chair, by=chair)

    assert chair.has_perm("submissions.review_group", group)


# --- the chair's page ------------------------------------------------------------------------------------------------


def page(edition):
    return reverse("submissions:jury_setup", args=[edition.slug])


def test_jury_page_lists_jurors_loads_and_groups(client, edition, submissions, assigned, chair):
    client.force_login(chair)

    response = client.get(page(edition))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="juror-row"') == 4
    assert html.count('data-testid="assigned-juror"') == 9
    assert "Secteur privé A" in html and "Université 1" in html


def test_jury_page_links_to_invitations_for_organisers(client, edition, submissions, organiser, chair):
    client.force_login(organiser)
    with_link = client.get(page(edition)).content.decode()
    client.force_login(chair)
    without = client.get(page(edition)).content.decode()

    assert reverse("cohorts:invitation_create", args=[edition.slug]) in with_link
    assert 'data-testid="invite-jurors"' not in without


def test_jury_page_in_blind_review_labels_documents_for_the_chair(
    client, edition, submissions, assigned, chair, review_settings, organiser
):
    set_review(review_settings, blind=True)
    client.force_login(chair)
    blind = client.get(page(edition)).content.decode()
    client.force_login(organiser)
    named = client.get(page(edition)).content.decode()

    assert "Document 1" in blind and "Gouvernement A" not in blind and "Awa" not in blind
    assert "Gouvernement A" in named


def test_auto_assign_button(client, edition, submissions, jurors, chair, review_settings):
    set_review(review_settings, reviewers_per_submission=2, max_per_juror=1)
    client.force_login(chair)
    speak(client, "en")

    response = client.post(reverse("submissions:jury_auto_assign", args=[edition.slug]), follow=True)

    html = response.content.decode()
    assert "4 assignments made." in html
    assert "Not enough jurors without a conflict of interest and under their maximum" in html
    assert "(0 of 2)" in html or "(1 of 2)" in html
    assert ReviewAssignment.objects.count() == 4


def test_assign_and_unassign_buttons(client, edition, submissions, jurors, chair, groups):
    client.force_login(chair)
    group = groups["societe-civile"]

    client.post(reverse("submissions:jury_assign", args=[edition.slug]), {"group": group.pk, "juror": jurors[1].pk})
    assert ReviewAssignment.objects.filter(group=group, juror=jurors[1]).exists()

    client.post(reverse("submissions:jury_unassign", args=[edition.slug]), {"group": group.pk, "juror": jurors[1].pk})
    assert not ReviewAssignment.objects.exists()


def test_assigning_a_conflicted_juror_by_hand_says_why(client, edition, submissions, jurors, chair, groups):
    group = groups["societe-civile"]
    ConflictOfInterest.objects.create(juror=jurors[1], group=group, kind=Kind.PERSONAL, status=Status.DECLARED)
    client.force_login(chair)
    speak(client, "en")

    response = client.post(
        reverse("submissions:jury_assign", args=[edition.slug]), {"group": group.pk, "juror": jurors[1].pk}, follow=True
    )

    assert "has a conflict of interest with this group" in response.content.decode()
    assert not ReviewAssignment.objects.exists()


def test_a_group_of_another_edition_is_404(client, edition, jurors, chair, other_edition):
    elsewhere = GroupFactory(edition=other_edition)
    client.force_login(chair)

    response = client.post(
        reverse("submissions:jury_assign", args=[edition.slug]), {"group": elsewhere.pk, "juror": jurors[0].pk}
    )

    assert response.status_code == 404


def test_someone_off_the_jury_is_404_on_the_assign_button(client, edition, submissions, member, chair, groups):
    client.force_login(chair)

    response = client.post(
        reverse("submissions:jury_assign", args=[edition.slug]),
        {"group": groups["gouvernement"].pk, "juror": member.pk},
    )

    assert response.status_code == 404
    assert not ReviewAssignment.objects.exists()


@pytest.mark.parametrize("persona", ["juror", "participant", "outsider", "other_organiser"])
def test_only_the_chair_and_organisers_open_the_jury_page(client, request, edition, submissions, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(page(edition)).status_code == 403
    assert client.post(reverse("submissions:jury_auto_assign", args=[edition.slug])).status_code == 403
    assert not ReviewAssignment.objects.exists()


@pytest.mark.parametrize("persona", ["member", "other_member"])
def test_group_members_cannot_open_the_jury_page(client, request, edition, submissions, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(page(edition)).status_code == 403


def test_jury_page_queries_do_not_grow_with_the_jury(
    client, edition, submissions, jurors, chair, review_settings, django_assert_max_num_queries
):
    set_review(review_settings, blind=True)
    jury.auto_assign(edition, by=chair)
    client.force_login(chair)
    with django_assert_max_num_queries(11) as small:
        assert client.get(page(edition)).status_code == 200

    extra_jurors = more_jurors(edition, 6)
    more_groups(edition, 8)
    for juror in extra_jurors[:3]:
        ConflictOfInterest.objects.create(
            juror=juror, group=submissions["gouvernement"].group, kind=Kind.OTHER, status=Status.SUGGESTED
        )
    jury.auto_assign(edition, by=chair)

    with django_assert_max_num_queries(11) as large:
        assert client.get(page(edition)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_juror_conflicts_page_queries_do_not_grow(
    client, edition, submissions, jurors, review_settings, django_assert_max_num_queries
):
    client.force_login(jurors[0])
    url = reverse("submissions:jury_conflicts", args=[edition.slug])
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200

    more_groups(edition, 8)
    ConflictOfInterest.objects.create(
        juror=jurors[0], group=submissions["gouvernement"].group, kind=Kind.OTHER, status=Status.DECLARED
    )

    with django_assert_max_num_queries(12) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)

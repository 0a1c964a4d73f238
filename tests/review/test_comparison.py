"""The side-by-side comparison: each question, every group's answer, columns by stakeholder type; for the jury
(only the groups they may read, blind labels) and for the public (only published documents)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohorts.models import Edition
from groups.models import Membership
from submissions.models import ConflictOfInterest, ReviewAssignment, ReviewSettings, Submission, SubmittedSection
from submissions.services import review
from tests.factories import GroupFactory, MembershipFactory, SectionTemplateFactory
from tests.review.conftest import SECTION_TITLES, person, write_and_submit

S = Submission.State


def jury_url(edition, q=None):
    return reverse("submissions:comparison_jury", args=[edition.slug]) + (f"?q={q}" if q else "")


def public_url(edition, q=None):
    return reverse("submissions:comparison_public", args=[edition.slug]) + (f"?q={q}" if q else "")


def grid_columns(page: str) -> list[str]:
    return re.findall(r'data-testid="column" data-stakeholder="([^"]+)"', page)


@pytest.fixture
def in_review(submissions, chair):
    for submission in submissions.values():
        review.start_review(submission, by=chair)
    return submissions


def publish(submissions, codes, chair, organiser, edition):
    for code in codes:
        review.stage_decision(submissions[code], "accepted", by=chair)
    review.release_decisions(edition, by=chair)
    for code in codes:
        review.publish(submissions[code], by=organiser)


# ---------------------------------------------------------------------------
# The jury


def test_juror_sees_only_the_groups_assigned_to_them(client, edition, groups, jurors, chair, in_review):
    juror = jurors[0]
    for code in ("gouvernement", "societe-civile"):
        ReviewAssignment.objects.create(group=groups[code], juror=juror, assigned_by=chair)
    client.force_login(juror)

    page = client.get(jury_url(edition)).content.decode()

    assert "gouvernement : Légalité et légitimité des coupures." in page
    assert "societe-civile : Légalité et légitimité des coupures." in page
    assert "secteur-prive :" not in page
    assert "Secteur privé A" not in page
    assert grid_columns(page) == ["gouvernement", "societe-civile"] * 3


def test_the_jury_comparison_shows_pictures_through_the_jurys_image_view(
    client, edition, groups, jurors, chair, in_review
):
    group = groups["gouvernement"]
    ReviewAssignment.objects.create(group=group, juror=jurors[0], assigned_by=chair)
    workspace_image = reverse("submissions:group_file", args=[edition.slug, group.pk, 41])
    section = SubmittedSection.objects.filter(submission=in_review["gouvernement"]).order_by("position").first()
    section.html = f'<p>Le graphe :</p><p><img src="{workspace_image}" alt="graphe"></p>'
    section.save(update_fields=["html"])
    client.force_login(jurors[0])

    page = client.get(jury_url(edition)).content.decode()

    assert reverse("submissions:review_image", args=[edition.slug, group.pk, 41]) in page
    assert workspace_image not in page


def test_conflicted_groups_are_left_out_even_for_the_chair(client, edition, groups, chair, assigned, in_review):
    ConflictOfInterest.objects.create(
        juror=chair, group=groups["secteur-prive"], kind="institutional", status=ConflictOfInterest.Status.CONFIRMED
    )
    ConflictOfInterest.objects.create(
        juror=assigned[1], group=groups["gouvernement"], kind="personal", status=ConflictOfInterest.Status.DECLARED
    )

    client.force_login(chair)
    chair_page = client.get(jury_url(edition)).content.decode()
    client.force_login(assigned[1])
    juror_page = client.get(jury_url(edition)).content.decode()

    assert "secteur-prive :" not in chair_page and "gouvernement :" in chair_page
    assert "gouvernement :" not in juror_page and "secteur-prive :" in juror_page


def test_unassigned_juror_sees_nothing_to_compare(client, edition, jurors, in_review):
    client.force_login(jurors[2])

    page = client.get(jury_url(edition)).content.decode()

    assert 'data-testid="comparison-empty"' in page
    assert "Légalité" not in page


@pytest.mark.parametrize("persona", ["outsider", "member", "other_member", "other_organiser"])
def test_jury_comparison_refused_to_others(client, edition, in_review, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(jury_url(edition)).status_code == 403


def test_jury_comparison_needs_a_login(client, edition, in_review):
    response = client.get(jury_url(edition))

    assert response.status_code == 302
    assert "/comptes/" in response["Location"]


def test_blind_review_shows_labels_not_names(client, edition, groups, assigned, in_review, review_settings):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(blind=True)
    client.force_login(assigned[0])

    page = client.get(jury_url(edition)).content.decode()

    for group in groups.values():
        assert group.name not in page
    numbers = review.blind_numbers(edition)
    for group in groups.values():
        assert f"Document {numbers[group.pk]}" in page
    assert "Awa" not in page and "Traoré" not in page


def test_organisers_see_names_in_blind_review(client, edition, organiser, in_review, review_settings):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(blind=True)
    client.force_login(organiser)

    page = client.get(jury_url(edition)).content.decode()

    assert "Secteur privé A" in page


def test_withdrawn_documents_are_not_compared(client, edition, groups, organiser, submissions, chair, coordinator):
    review.start_review(submissions["gouvernement"], by=chair)
    review.start_review(submissions["societe-civile"], by=chair)
    from submissions.services import submission as submission_service

    submission_service.withdraw(submissions["secteur-prive"], by=coordinator)
    client.force_login(organiser)

    page = client.get(jury_url(edition)).content.decode()

    assert grid_columns(page) == ["gouvernement", "societe-civile"] * 3


# ---------------------------------------------------------------------------
# The public


def test_public_sees_only_published_documents(client, edition, in_review, chair, organiser):
    publish(in_review, ["gouvernement", "societe-civile"], chair, organiser, edition)

    response = client.get(public_url(edition))

    page = response.content.decode()
    assert response.status_code == 200
    assert "gouvernement : Légalité" in page and "societe-civile : Légalité" in page
    assert "secteur-prive :" not in page
    assert "Secteur privé A" not in page
    assert grid_columns(page) == ["gouvernement", "societe-civile"] * 3


def test_public_comparison_is_empty_before_publication(client, edition, in_review):
    page = client.get(public_url(edition)).content.decode()

    assert 'data-testid="comparison-empty"' in page
    assert "Légalité" not in page


def test_public_comparison_of_a_draft_edition_is_404(client, edition, in_review, chair, organiser):
    publish(in_review, ["gouvernement"], chair, organiser, edition)
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.DRAFT)

    assert client.get(public_url(edition)).status_code == 404


# ---------------------------------------------------------------------------
# Layout: columns, tabs, questions


def test_columns_follow_the_stakeholder_order_and_groups_of_one_type_stack(client, edition, groups, organiser,
                                                                           in_review, chair):  # fmt: skip
    kinds = {group.stakeholder_type.code: group.stakeholder_type for group in groups.values()}
    kinds["gouvernement"].position, kinds["societe-civile"].position = 9, 0
    kinds["gouvernement"].save()
    kinds["societe-civile"].save()
    second = GroupFactory(edition=edition, stakeholder_type=kinds["secteur-prive"], name="Secteur privé B")
    writer = person(edition, "b@example.org", "Bintou", "Sidibé")
    MembershipFactory(group=second, user=writer, group_role=Membership.GroupRole.COORDINATOR)
    review.start_review(write_and_submit(second, writer, ["<p>B intro</p>", "<p>B répond</p>", "<p>B fin</p>"]),
                        by=chair)  # fmt: skip
    client.force_login(organiser)

    page = client.get(jury_url(edition, q=2)).content.decode()

    assert grid_columns(page) == ["societe-civile", "secteur-prive", "gouvernement"]
    private_column = page.split('data-stakeholder="secteur-prive"')[1].split('data-testid="column"')[0]
    assert private_column.count('data-testid="answer"') == 2
    assert private_column.index("Secteur privé A") < private_column.index("Secteur privé B")
    assert "B répond" in private_column


def test_phone_tabs_render_one_tab_and_pane_per_column_without_script(client, edition, organiser, in_review):
    client.force_login(organiser)

    page = client.get(jury_url(edition, q=1)).content.decode()

    tabs = page.split('data-testid="tabs"')[1]
    assert tabs.count('class="cmp-tab-input') == 3
    assert tabs.count('class="cmp-pane"') == 3
    assert tabs.count(" checked") == 1
    assert 'class="row g-4 d-none d-md-flex"' in page
    assert "<script>" not in page
    assert "comparison.css" in page


def test_question_picker_shows_one_question_or_all(client, edition, organiser, in_review):
    client.force_login(organiser)

    everything = client.get(jury_url(edition)).content.decode()
    second = client.get(jury_url(edition, q=2)).content.decode()
    nonsense = client.get(jury_url(edition, q="x")).content.decode()

    assert everything.count('data-testid="question"') == len(SECTION_TITLES)
    assert second.count('data-testid="question"') == 1
    assert "Légalité et légitimité des coupures" in second.split('data-testid="question"')[1]
    assert nonsense.count('data-testid="question"') == len(SECTION_TITLES)


def test_only_question_parts_are_compared_when_the_assignment_has_them(client, edition, assignment, organiser,
                                                                         in_review):  # fmt: skip
    assignment.section_templates.filter(position__in=[1, 3]).update(kind="introduction")
    client.force_login(organiser)

    page = client.get(jury_url(edition)).content.decode()

    assert page.count('data-testid="question"') == 1
    assert "gouvernement : Introduction." not in page


# ---------------------------------------------------------------------------
# Queries


def add_groups(edition, chair, numbers):
    kinds = list(edition.stakeholder_types.all())
    made = []
    for n in numbers:
        group = GroupFactory(edition=edition, stakeholder_type=kinds[n % len(kinds)], name=f"Groupe {n:02d}")
        writer = person(edition, f"w{n}@example.org", "Auteur", f"N{n}")
        MembershipFactory(group=group, user=writer, group_role=Membership.GroupRole.COORDINATOR)
        submission = write_and_submit(group, writer, [f"<p>{n}</p>"] * len(SECTION_TITLES))
        review.start_review(submission, by=chair)
        made.append(group)
    return made


@pytest.mark.parametrize("blind", [False, True])
def test_jury_comparison_query_count_does_not_grow(client, edition, groups, jurors, chair, review_settings, blind):
    ReviewSettings.objects.filter(pk=review_settings.pk).update(blind=blind)
    juror = jurors[0]

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(jury_url(edition))
        assert response.status_code == 200
        return len(queries), response.content.decode().count('data-testid="answer"')

    for group in add_groups(edition, chair, range(3)):
        ReviewAssignment.objects.create(group=group, juror=juror, assigned_by=chair)
    client.force_login(juror)
    small, small_answers = count()
    for group in add_groups(edition, chair, range(3, 12)):
        ReviewAssignment.objects.create(group=group, juror=juror, assigned_by=chair)
    large, large_answers = count()

    assert (small_answers, large_answers) == (3 * 3 * 2, 12 * 3 * 2)  # groups x questions x (grid + tabs)
    assert large == small


def test_public_comparison_query_count_does_not_grow(client, edition, groups, chair, organiser):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(public_url(edition))
        return len(queries), response.content.decode().count('data-testid="answer"')

    def publish_groups(made):
        for group in made:
            review.stage_decision(group.submissions.get(), "accepted", by=chair)
        review.release_decisions(edition, by=chair)
        for group in made:
            review.publish(group.submissions.get(), by=organiser)

    publish_groups(add_groups(edition, chair, range(3)))
    small, small_answers = count()
    publish_groups(add_groups(edition, chair, range(3, 12)))
    large, large_answers = count()

    assert (small_answers, large_answers) == (3 * 3 * 2, 12 * 3 * 2)
    assert large == small


def test_extra_question_part_without_answers_shows_no_answer(client, edition, assignment, organiser, in_review):
    SectionTemplateFactory(assignment=assignment, position=4, title_fr="Question ajoutée", title_en="Added")
    client.force_login(organiser)

    page = client.get(jury_url(edition, q=4)).content.decode()

    assert "Question ajoutée" in page
    assert page.count('data-testid="answer"') == 6

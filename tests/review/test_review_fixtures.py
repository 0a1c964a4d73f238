"""The common ground holds: three groups submitted, the default rubrics exist."""

from submissions.models import Criterion, Submission


def test_every_group_has_one_submitted_snapshot_with_its_sections(submissions):
    assert {s.state for s in submissions.values()} == {Submission.State.SUBMITTED}
    assert [s.sections.count() for s in submissions.values()] == [3, 3, 3]


def test_review_settings_come_with_the_default_document_and_defense_rubrics(review_settings, edition):
    rubrics = list(Criterion.objects.filter(edition=edition).values_list("rubric", flat=True))

    assert rubrics.count(Criterion.Rubric.DOCUMENT) == 5
    assert rubrics.count(Criterion.Rubric.DEFENSE) == 4

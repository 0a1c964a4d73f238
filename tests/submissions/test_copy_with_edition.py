import datetime as dt

import pytest
from django.db import transaction

from cohorts.services import copy_edition_settings
from groups.models import StakeholderType
from submissions.models import Assignment, AssignmentSettings, SectionTemplate
from submissions.receivers import copy_assignment
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    QuestionFactory,
    SectionTemplateFactory,
    StakeholderTypeFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_copying_an_edition_brings_its_assignment_questions_and_stakeholder_types(edition, organiser):
    assignment = AssignmentFactory(edition=edition)
    QuestionFactory(assignment=assignment, position=1, text_fr="Est-ce légal ?")
    QuestionFactory(assignment=assignment, position=2, text_fr="Faut-il agir ?")
    StakeholderTypeFactory(edition=edition, code="government", name_fr="Gouvernement")

    with transaction.atomic():
        target = copy_edition_settings(
            edition, by=organiser, slug="malisig-2024", year=2024, number=9, title="MaliSIG 2024"
        )

    copied = Assignment.objects.get(edition=target)
    assert copied.title_fr == assignment.title_fr
    assert list(copied.questions.values_list("position", "text_fr")) == [(1, "Est-ce légal ?"), (2, "Faut-il agir ?")]
    assert list(StakeholderType.objects.filter(edition=target).values_list("code", flat=True)) == ["government"]


def test_copying_an_edition_brings_the_submission_settings_without_dates_and_the_structure(edition, organiser):
    assignment = AssignmentFactory(edition=edition)
    question = QuestionFactory(assignment=assignment, position=1, text_fr="Est-ce légal ?")
    SectionTemplateFactory(assignment=assignment, position=1, kind="introduction", title_fr="Introduction")
    SectionTemplateFactory(
        assignment=assignment, position=2, kind="question", question=question, title_fr="Légalité", word_limit=800
    )
    AssignmentSettingsFactory(
        assignment=assignment,
        deadline=dt.datetime(2023, 9, 15, 23, 59, tzinfo=dt.UTC),
        late_cutoff=dt.datetime(2023, 9, 16, tzinfo=dt.UTC),
        time_zone="Africa/Dakar",
        late_policy="hard",
        presentation_required=False,
        members_confirm=True,
        declaration_fr="Notre propre travail.",
    )

    with transaction.atomic():
        target = copy_edition_settings(
            edition, by=organiser, slug="malisig-2024", year=2024, number=9, title="MaliSIG 2024"
        )
    copy_assignment(sender=None, source=edition, target=target)  # a second delivery changes nothing

    copied = Assignment.objects.get(edition=target)
    copied_settings = AssignmentSettings.objects.get(assignment=copied)
    assert (copied_settings.opens_at, copied_settings.deadline, copied_settings.late_cutoff) == (None, None, None)
    assert (copied_settings.time_zone, copied_settings.late_policy, copied_settings.presentation_required) == (
        "Africa/Dakar", "hard", False,
    )  # fmt: skip
    assert (copied_settings.members_confirm, copied_settings.declaration_fr) == (True, "Notre propre travail.")
    parts = list(copied.section_templates.values_list("position", "kind", "title_fr", "word_limit", "question"))
    assert parts == [
        (1, "introduction", "Introduction", None, None),
        (2, "question", "Légalité", 800, copied.questions.get().pk),
    ]
    assert Assignment.objects.filter(edition=target).count() == 1
    assert SectionTemplate.objects.filter(assignment__edition=target).count() == 2

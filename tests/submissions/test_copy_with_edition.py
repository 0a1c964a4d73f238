import pytest
from django.db import transaction

from cohorts.services import copy_edition_settings
from groups.models import StakeholderType
from submissions.models import Assignment
from tests.factories import AssignmentFactory, QuestionFactory, StakeholderTypeFactory

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

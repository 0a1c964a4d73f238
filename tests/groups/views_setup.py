"""Shared arrangements of the groups view tests (not a test module)."""

from cohorts.models import Enrolment, Role
from tests.factories import EditionRoleFactory, EnrolmentFactory, ProfileFactory

S = Enrolment.Status


def enrol(edition, count=1, *, status=S.ACTIVE, role=True, **profile):
    """`count` people of the edition's cohort, each with a profile (`profile` overrides) and the participant role."""
    people = []
    for _ in range(count):
        enrolment = EnrolmentFactory(edition=edition, status=status)
        ProfileFactory(user=enrolment.user, **profile)
        if role:
            EditionRoleFactory(edition=edition, user=enrolment.user, role=Role.PARTICIPANT)
        people.append(enrolment.user)
    return people


def enrol_persona(edition, user, *, status=S.ACTIVE, **profile):
    """A persona (already holding the participant role) enrolled in the cohort, with a profile."""
    EnrolmentFactory(edition=edition, user=user, status=status)
    ProfileFactory(user=user, **profile)
    return user


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]

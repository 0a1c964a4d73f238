"""Common ground of the messages' tests: an edition with two groups (one has submitted), a juror with a review due,
a pending invitation; and the same kinds of people in another edition, who must never receive anything."""

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from cohorts.models import Role
from submissions.models import Review, ReviewAssignment, Submission
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    EditionRoleFactory,
    GroupFactory,
    InvitationFactory,
    MembershipFactory,
    StakeholderTypeFactory,
    UserFactory,
)


def person(edition, email, first_name="Awa", last_name="Traoré", role=Role.PARTICIPANT, language="fr"):
    user = UserFactory(email=email, first_name=first_name, last_name=last_name, preferred_language=language)
    EditionRoleFactory(edition=edition, user=user, role=role)
    return user


def member(group, email, first_name="Awa", language="fr"):
    user = person(group.edition, email, first_name=first_name, language=language)
    MembershipFactory(group=group, user=user)
    return user


def submit(group, state=Submission.State.SUBMITTED, number=1):
    return Submission.objects.create(group=group, number=number, state=state, declaration="Oui")


class World:
    pass


def build_world(edition, *, prefix="", deadline_in=dt.timedelta(days=10)):
    w = World()
    w.edition = edition
    assignment = AssignmentFactory(edition=edition)
    w.settings = AssignmentSettingsFactory(assignment=assignment, deadline=timezone.now() + deadline_in)
    w.government = StakeholderTypeFactory(
        edition=edition, code=f"{prefix}gov", name_fr="Gouvernement", name_en="Government"
    )
    w.civil = StakeholderTypeFactory(
        edition=edition, code=f"{prefix}civ", name_fr="Société civile", name_en="Civil Society"
    )
    w.group_a = GroupFactory(edition=edition, stakeholder_type=w.government, name=f"{prefix}Gouvernement A")
    w.group_b = GroupFactory(edition=edition, stakeholder_type=w.civil, name=f"{prefix}Société civile B")
    w.awa = member(w.group_a, f"{prefix}awa@example.org", "Awa")
    w.sekou = member(w.group_a, f"{prefix}sekou@example.org", "Sékou", language="en")
    w.binta = member(w.group_b, f"{prefix}binta@example.org", "Binta")
    w.loner = person(edition, f"{prefix}loner@example.org", "Moussa")  # a participant in no group
    w.submission_b = submit(w.group_b, Submission.State.IN_REVIEW)
    w.juror = person(edition, f"{prefix}juror@example.org", "Oumar", role=Role.JUROR)
    w.idle_juror = person(edition, f"{prefix}idle.juror@example.org", "Fanta", role=Role.JUROR)
    w.chair = person(edition, f"{prefix}chair@example.org", "Mariam", role=Role.JURY_CHAIR)
    ReviewAssignment.objects.create(group=w.group_b, juror=w.juror)
    ReviewAssignment.objects.create(group=w.group_b, juror=w.idle_juror)
    Review.objects.create(submission=w.submission_b, juror=w.idle_juror, state=Review.State.SUBMITTED)
    w.invitation = InvitationFactory(
        edition=edition, email=f"{prefix}invitee@example.org", first_name="Kadia", language="en"
    )
    return w


@pytest.fixture(name="world")
def world_fixture(edition):
    return build_world(edition)


@pytest.fixture(name="elsewhere")
def elsewhere_fixture(other_edition):
    """The same kinds of people in another edition."""
    return build_world(other_edition, prefix="other-")


class RecordingBackend(BaseEmailBackend):
    """Like locmem, but refuses addresses containing "refused" (550) or "greylisted" (451), and loses the connection for
    those with "flaky"."""

    def send_messages(self, messages):
        import smtplib

        for message in messages:
            for address in message.to:
                if "refused" in address:
                    raise smtplib.SMTPRecipientsRefused({address: (550, b"5.1.1 No such user")})
                if "greylisted" in address:
                    raise smtplib.SMTPRecipientsRefused({address: (451, b"4.7.1 Try again later")})
                if "flaky" in address:
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            mail.outbox.append(message)
        return len(messages)


@pytest.fixture(name="recording_backend")
def recording_backend_fixture(settings):
    settings.EMAIL_BACKEND = "tests.cockpit.messages_fixtures.RecordingBackend"
    mail.outbox = []
    return mail.outbox

import datetime as dt

import factory
from django.utils import timezone

from cohorts.models import Edition, EditionRole, Enrolment, Invitation, Masterclass, Phase, Profile, Role, School
from groups.models import Group, Membership, StakeholderType
from malisig.models import User
from submissions.models import Assignment, AssignmentSettings, Question, SectionTemplate

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Aïssata"
    last_name = "N'Diaye"
    password = factory.django.Password(PASSWORD)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ["slug"]

    name = "École malienne sur la gouvernance de l'Internet"
    acronym = "MaliSIG"
    slug = "malisig"


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition

    school = factory.SubFactory(SchoolFactory)
    number = factory.Sequence(lambda n: n + 1)
    year = factory.LazyAttribute(lambda edition: 2019 + edition.number)
    slug = factory.LazyAttribute(lambda edition: f"malisig-{edition.year}-{edition.number}")
    title = factory.LazyAttribute(lambda edition: f"MaliSIG {edition.year}")
    status = Edition.Status.RUNNING


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    edition = factory.SubFactory(EditionFactory)
    kind = Phase.Kind.WORKSHOP
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))
    ends_on = factory.LazyAttribute(lambda phase: phase.starts_on + dt.timedelta(days=1))


class MasterclassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Masterclass

    edition = factory.SubFactory(EditionFactory)
    title_fr = factory.Sequence(lambda n: f"Masterclass n°{n}")
    title_en = factory.Sequence(lambda n: f"Masterclass no. {n}")
    speakers = "Dr Oumar Sanogo"
    starts_at = factory.LazyFunction(timezone.now)


class EditionRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EditionRole

    edition = factory.SubFactory(EditionFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.PARTICIPANT


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    edition = factory.SubFactory(EditionFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.PARTICIPANT
    expires_at = factory.LazyFunction(Invitation.default_expiry)


class StakeholderTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StakeholderType

    edition = factory.SubFactory(EditionFactory)
    code = factory.Sequence(lambda n: f"type-{n}")
    name_fr = "Secteur privé"
    name_en = "Private Sector"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    edition = factory.SubFactory(EditionFactory)
    stakeholder_type = factory.SubFactory(StakeholderTypeFactory, edition=factory.SelfAttribute("..edition"))
    name = factory.Sequence(lambda n: f"Groupe {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    edition = factory.SelfAttribute("group.edition")
    user = factory.SubFactory(UserFactory)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    edition = factory.SubFactory(EditionFactory)
    title_fr = "Les coupures d'Internet"
    title_en = "Internet shutdowns"
    statement_fr = "Énoncé du problème."
    statement_en = "Problem statement."


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    assignment = factory.SubFactory(AssignmentFactory)
    position = factory.Sequence(lambda n: n + 1)
    text_fr = "Faut-il agir ?"
    text_en = "Should we act?"


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    gender = Profile.Gender.FEMALE
    country = "Mali"
    organisation = "Orange Mali"


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    edition = factory.SubFactory(EditionFactory)
    user = factory.SubFactory(UserFactory)
    status = Enrolment.Status.ADMITTED
    eligible = True


class SectionTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SectionTemplate

    assignment = factory.SubFactory(AssignmentFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = SectionTemplate.Kind.QUESTION
    title_fr = factory.Sequence(lambda n: f"Partie {n + 1}")
    title_en = factory.Sequence(lambda n: f"Part {n + 1}")


class AssignmentSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssignmentSettings

    assignment = factory.SubFactory(AssignmentFactory)

from django.core.management import call_command

from cohorts.models import Edition, EditionRole, Enrolment, Masterclass, Phase, Role
from groups.models import Formation as GroupFormation
from groups.models import Group, Membership
from malisig.demo import DEMO_PASSWORD
from malisig.models import User
from submissions.models import GroupFile, Question, Review, ReviewAssignment, Score, Section, SectionVersion, Submission


def table_counts() -> dict[str, int]:
    models = [
        User, Edition, Phase, Masterclass, EditionRole, Enrolment, Group, Membership, Question, Section,
        SectionVersion, Submission, GroupFile, ReviewAssignment, Review, Score,
    ]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_builds_malisig_2023_and_prints_the_logins(db, capsys):
    call_command("seed_demo")

    edition = Edition.objects.get(slug="malisig-2023")
    roles = EditionRole.objects.filter(edition=edition)
    assert roles.filter(role=Role.ORGANISER).count() == 2
    assert roles.filter(role__in=[Role.JUROR, Role.JURY_CHAIR]).count() == 4
    assert roles.filter(role=Role.JURY_CHAIR).count() == 1
    assert roles.filter(role=Role.PARTICIPANT).count() == 45
    assert edition.masterclasses.count() == 10
    assert edition.phases.count() == 5
    assert sorted(Group.objects.filter(edition=edition).values_list("stakeholder_type__code", flat=True)) == [
        "civil-society", "civil-society", "government", "government", "private-sector", "private-sector",
    ]  # fmt: skip
    assert Membership.objects.filter(edition=edition).count() == 45
    sizes = [group.memberships.count() for group in Group.objects.filter(edition=edition)]
    assert max(sizes) - min(sizes) <= 1
    assert Membership.objects.filter(edition=edition, group_role="coordinator").count() == 6
    assert GroupFormation.objects.get(edition=edition).is_published
    assert list(edition.assignment.questions.values_list("position", flat=True)) == [1, 2, 3, 4, 5]
    assert all(question.text_fr and question.text_en for question in edition.assignment.questions.all())
    statuses = Enrolment.objects.filter(edition=edition).values_list("status", flat=True)
    assert sorted(set(statuses)) == ["active", "candidate"]
    assert list(statuses).count("candidate") == 5  # the course export's not-eligible people, kept visible
    assert Enrolment.objects.filter(status="candidate").exclude(eligibility_reason="").count() == 5
    printed = capsys.readouterr().out
    assert DEMO_PASSWORD in printed
    assert "organisatrice@example.org" in printed
    assert User.objects.get(email="organisatrice@example.org").check_password(DEMO_PASSWORD)


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo")
    before = table_counts()
    password_hash = User.objects.get(email="jury1@example.org").password

    call_command("seed_demo")

    assert table_counts() == before
    assert User.objects.get(email="jury1@example.org").password == password_hash


def test_seed_demo_private_sector_a_submits_and_two_groups_are_half_way(db):
    call_command("seed_demo")

    edition = Edition.objects.get(slug="malisig-2023")
    private = Group.objects.get(edition=edition, name="Secteur privé A")
    submission = Submission.objects.get(group=private)
    assert submission.state == "in_review"
    snapshot = list(submission.sections.all())
    assert len(snapshot) == 7
    assert all(section.words > 50 for section in snapshot)
    assert submission.files.count() == 1
    authors = SectionVersion.objects.filter(section__group=private).values_list("author", flat=True)
    assert len(set(authors)) > 1
    for name in ["Gouvernement A", "Société civile A"]:
        sections = Section.objects.filter(group__edition=edition, group__name=name)
        assert sections.filter(words__gt=0).count() == 3
        assert sections.filter(words=0).count() == 4
        assert not Submission.objects.filter(group__name=name).exists()


def test_demo_names_keep_their_accents_and_apostrophes(db):
    call_command("seed_demo")

    names = {user.get_full_name() for user in User.objects.all()}
    assert "Aïssata Traoré" in names
    assert any("N'Diaye" in name for name in names)


def test_seed_demo_the_submitted_document_has_two_submitted_reviews_and_one_pending(db):
    call_command("seed_demo")

    submission = Submission.objects.get(group__name="Secteur privé A")
    reviews = Review.objects.filter(submission=submission)
    assert ReviewAssignment.objects.filter(group=submission.group).count() == 3
    assert sorted(reviews.values_list("state", flat=True)) == ["draft", "submitted", "submitted"]
    submitted = reviews.filter(state="submitted")
    assert all(review.message_to_group and review.private_note for review in submitted)
    assert Score.objects.filter(review__in=submitted, value__isnull=False).count() == 10

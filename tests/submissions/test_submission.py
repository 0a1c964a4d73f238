"""Handing in the document: what is checked, the frozen snapshot, withdraw and submit again, deadlines, emails."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Formation, Membership
from submissions.models import GroupFile, Submission, SubmissionChange, SubmittedSection
from submissions.services import submission as service
from submissions.services.workspace import WorkspaceClosed, ensure_sections, has_pending_submission, save_section
from tests.conftest import speak
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)

TEXTS = ["<p>Une introduction courte.</p>", "<p>La coupure est illégale.</p>", "<p>En conclusion, rouvrir.</p>"]


@pytest.fixture(autouse=True)
def _english(client):
    """These tests read messages in English: the services' and, through the language cookie, the pages'."""
    speak(client, "en")
    with translation.override("en"):
        yield


@pytest.fixture
def assignment(edition):
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(["Introduction", "Légalité et légitimité", "Conclusion"], start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, title_en=title, word_limit=50)
    return assignment


@pytest.fixture
def settings_row(assignment):
    return AssignmentSettingsFactory(
        assignment=assignment,
        deadline=timezone.now() + dt.timedelta(days=2),
        late_cutoff=timezone.now() + dt.timedelta(days=3),
        presentation_required=False,
    )


@pytest.fixture
def group(edition, assignment, settings_row):
    Formation.objects.create(edition=edition, published_at=timezone.now())
    return GroupFactory(edition=edition, name="Secteur privé")


@pytest.fixture
def coordinator(group):
    user = UserFactory(first_name="Awa", last_name="", email="awa@example.org", preferred_language="fr")
    MembershipFactory(group=group, user=user, group_role=Membership.GroupRole.COORDINATOR)
    return user


@pytest.fixture
def member(group):
    user = UserFactory(first_name="Sékou", last_name="", email="sekou@example.org", preferred_language="en")
    MembershipFactory(group=group, user=user)
    return user


def write_all(group, by, texts=TEXTS):
    for section, text in zip(ensure_sections(group), texts, strict=True):
        save_section(section, text, base_version=section.version, by=by)


@pytest.fixture
def complete(group, coordinator, member):
    write_all(group, coordinator)
    return group


def move_deadline(settings_row, *, deadline, cutoff):
    settings_row.deadline, settings_row.late_cutoff = deadline, cutoff
    settings_row.save()


def test_the_coordinator_submits_and_the_snapshot_equals_the_sections(complete, coordinator, settings_row):
    submission = service.submit(complete, by=coordinator, declaration_accepted=True)

    assert (submission.number, submission.state, submission.submitted_by) == (1, "submitted", coordinator)
    assert not submission.is_late and submission.deadline is not None
    assert submission.declaration == settings_row.declaration_en
    snapshot = list(SubmittedSection.objects.filter(submission=submission).values_list("title", "html", "version"))
    sections = ensure_sections(complete)
    assert snapshot == [(s.template.title_fr, s.html, s.version) for s in sections]
    assert [html for _title, html, _version in snapshot] == TEXTS
    assert SubmissionChange.objects.get(submission=submission).new == "submitted"


def test_a_member_who_is_not_the_coordinator_cannot_submit(complete, member):
    with pytest.raises(PermissionDenied):
        service.submit(complete, by=member, declaration_accepted=True)
    assert not Submission.objects.exists()


def test_a_required_empty_section_is_refused_with_its_name(group, coordinator):
    write_all(group, coordinator, [*TEXTS[:2], ""])

    with pytest.raises(service.SubmissionRefused) as refused:
        service.submit(group, by=coordinator, declaration_accepted=True)

    assert refused.value.messages == ["The section “Conclusion” is required and still empty."]
    assert not Submission.objects.exists()


def test_a_section_over_its_word_limit_is_refused(group, coordinator):
    write_all(group, coordinator, [TEXTS[0], "<p>" + "mot " * 51 + "</p>", TEXTS[2]])

    with pytest.raises(service.SubmissionRefused) as refused:
        service.submit(group, by=coordinator, declaration_accepted=True)

    assert "“Légalité et légitimité” has 51 words, over its limit of 50" in refused.value.message
    assert not Submission.objects.exists()


def test_a_missing_presentation_is_refused_and_the_current_files_are_snapshotted(complete, coordinator, settings_row):
    settings_row.presentation_required = True
    settings_row.save()
    with pytest.raises(service.SubmissionRefused) as refused:
        service.submit(complete, by=coordinator, declaration_accepted=True)
    assert refused.value.messages == ["The presentation (PPTX or PDF) is missing."]
    assert not Submission.objects.exists()

    def upload(name, replaced_at=None):
        return GroupFile.objects.create(
            group=complete, role=GroupFile.Role.PRESENTATION, file=ContentFile(b"%PDF-1.4", name="x.pdf"),
            display_name=name, content_type="application/pdf", size=8, replaced_at=replaced_at,
        )  # fmt: skip

    upload("ancienne.pdf", replaced_at=timezone.now())
    current = upload("présentation.pdf")
    submission = service.submit(complete, by=coordinator, declaration_accepted=True)

    assert [item.group_file for item in submission.files.all()] == [current]


def test_the_statement_must_be_accepted(complete, coordinator):
    with pytest.raises(service.SubmissionRefused) as refused:
        service.submit(complete, by=coordinator, declaration_accepted=False)

    assert refused.value.message == "Accept the statement to submit the document."
    assert not Submission.objects.exists()


def test_after_submitting_the_workspace_is_read_only(complete, coordinator, member):
    service.submit(complete, by=coordinator, declaration_accepted=True)
    section = ensure_sections(complete)[0]

    with pytest.raises(WorkspaceClosed):
        save_section(section, "<p>Changé</p>", base_version=section.version, by=member)
    with pytest.raises(service.SubmissionRefused, match="already submitted"):
        service.submit(complete, by=coordinator, declaration_accepted=True)


def test_a_late_submission_is_flagged(complete, coordinator, settings_row):
    now = timezone.now()
    move_deadline(settings_row, deadline=now - dt.timedelta(hours=1), cutoff=now + dt.timedelta(hours=1))

    submission = service.submit(complete, by=coordinator, declaration_accepted=True)

    assert submission.is_late and submission.deadline == settings_row.deadline


def test_nothing_is_accepted_after_the_cutoff(complete, coordinator, settings_row):
    now = timezone.now()
    move_deadline(settings_row, deadline=now - dt.timedelta(hours=2), cutoff=now - dt.timedelta(hours=1))

    with pytest.raises(service.SubmissionRefused, match="deadline has passed"):
        service.submit(complete, by=coordinator, declaration_accepted=True)
    assert not Submission.objects.exists()


def test_withdrawing_before_the_deadline_reopens_the_workspace_and_every_submission_is_kept(
    complete, coordinator, member
):
    first = service.submit(complete, by=coordinator, declaration_accepted=True)

    service.withdraw(first, by=coordinator)

    assert not has_pending_submission(complete)
    section = ensure_sections(complete)[0]
    save_section(section, "<p>Une introduction revue.</p>", base_version=section.version, by=member)
    second = service.submit(complete, by=coordinator, declaration_accepted=True)
    assert second.number == 2
    assert list(Submission.objects.filter(group=complete).values_list("number", "state")) == [
        (2, "submitted"),
        (1, "withdrawn"),
    ]
    assert first.sections.first().html == TEXTS[0]
    assert second.sections.first().html == "<p>Une introduction revue.</p>"
    assert list(SubmissionChange.objects.filter(submission=first).values_list("old", "new")) == [
        ("", "submitted"),
        ("submitted", "withdrawn"),
    ]


def test_withdrawing_after_the_deadline_is_refused(complete, coordinator, settings_row):
    now = timezone.now()
    move_deadline(settings_row, deadline=now - dt.timedelta(hours=1), cutoff=now + dt.timedelta(hours=1))
    submission = service.submit(complete, by=coordinator, declaration_accepted=True)

    with pytest.raises(service.SubmissionRefused, match="can no longer be withdrawn"):
        service.withdraw(submission, by=coordinator)
    assert Submission.objects.get(pk=submission.pk).state == "submitted"


def test_only_the_coordinator_withdraws_and_only_a_pending_submission(complete, coordinator, member):
    submission = service.submit(complete, by=coordinator, declaration_accepted=True)
    with pytest.raises(PermissionDenied):
        service.withdraw(submission, by=member)
    service.withdraw(submission, by=coordinator)
    with pytest.raises(service.SubmissionRefused):
        service.withdraw(submission, by=coordinator)
    with pytest.raises(service.InvalidTransition):
        service.transition_submission(submission, "submitted", by=coordinator)


def test_with_members_confirming_the_coordinator_waits_for_everyone(complete, coordinator, member, settings_row):
    settings_row.members_confirm = True
    settings_row.save()

    with pytest.raises(service.SubmissionRefused, match="still waiting for: Awa, Sékou"):
        service.submit(complete, by=coordinator, declaration_accepted=True)
    service.confirm(complete, by=member)
    with pytest.raises(service.SubmissionRefused, match="still waiting for: Awa"):
        service.submit(complete, by=coordinator, declaration_accepted=True)
    service.confirm(complete, by=coordinator)

    assert service.submit(complete, by=coordinator, declaration_accepted=True).number == 1


def test_an_edit_after_a_confirmation_voids_it(complete, coordinator, member, settings_row):
    settings_row.members_confirm = True
    settings_row.save()
    service.confirm(complete, by=member)
    service.confirm(complete, by=coordinator)
    assert service.missing_for_submission(complete) == []

    section = ensure_sections(complete)[1]
    save_section(section, "<p>Un changement de dernière minute.</p>", base_version=section.version, by=member)

    assert len(service.missing_for_submission(complete)) == 1
    with pytest.raises(service.SubmissionRefused):
        service.submit(complete, by=coordinator, declaration_accepted=True)


def test_the_members_get_an_email_after_commit_in_their_language(
    complete, coordinator, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = service.submit(complete, by=coordinator, declaration_accepted=True)

    assert sorted(message.to[0] for message in mail.outbox) == ["awa@example.org", "sekou@example.org"]
    english = next(message for message in mail.outbox if message.to == ["sekou@example.org"])
    assert "submitted" in english.subject
    link = reverse("submissions:submission_detail", args=[complete.edition.slug, complete.pk, submission.number])
    assert link in english.body


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
def page(group, *rest):
    return reverse("submissions:submission", args=[group.edition.slug, group.pk]) + "".join(rest)


def test_the_page_shows_what_is_missing_and_the_coordinator_submits(client, group, coordinator, member):
    client.force_login(coordinator)
    response = client.get(page(group))
    assert response.status_code == 200
    assert "The section “Introduction” is required and still empty." in response.content.decode()

    write_all(group, coordinator)
    response = client.post(page(group), {"action": "submit", "declaration": "on"}, follow=True)

    assert response.status_code == 200
    submission = Submission.objects.get(group=group)
    assert 'data-testid="pending"' in response.content.decode()
    detail = client.get(reverse("submissions:submission_detail", args=[group.edition.slug, group.pk, 1]))
    assert detail.status_code == 200 and TEXTS[1] in detail.content.decode()
    client.post(page(group), {"action": "withdraw", "number": submission.number})
    assert Submission.objects.get(pk=submission.pk).state == "withdrawn"


def test_a_member_posting_submit_gets_403_and_strangers_get_403_or_404(client, complete, member, other_edition):
    client.force_login(member)
    assert client.post(page(complete), {"action": "submit", "declaration": "on"}).status_code == 403
    assert not Submission.objects.exists()

    client.force_login(UserFactory())
    assert client.get(page(complete)).status_code == 403
    other = reverse("submissions:submission", args=[other_edition.slug, complete.pk])
    client.force_login(member)
    assert client.get(other).status_code == 404
    assert client.get(page(complete, "7/")).status_code == 404


def test_a_refusal_on_the_page_shows_the_message_and_creates_nothing(client, complete, coordinator):
    client.force_login(coordinator)

    response = client.post(page(complete), {"action": "submit"}, follow=True)

    assert "Accept the statement to submit the document." in response.content.decode()
    assert not Submission.objects.exists()

"""Saving a section: versions, conflicts that never lose text, restores, and who may write when."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from groups.models import Formation, Membership
from submissions import services
from submissions.models import AssignmentSettings, Extension, Section, SectionVersion, Submission
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)


@pytest.fixture
def assignment(edition):
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(["Introduction", "Légalité et légitimité", "Conclusion"], start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title)
    return assignment


@pytest.fixture
def group(edition, assignment):
    Formation.objects.create(edition=edition, published_at=timezone.now())
    return GroupFactory(edition=edition, name="Secteur privé")


@pytest.fixture
def awa(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Awa")).user


@pytest.fixture
def sekou(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Sékou")).user


@pytest.fixture
def section(group):
    return services.ensure_sections(group)[1]


def test_every_group_gets_one_section_per_part_of_the_document_in_order(group):
    sections = services.ensure_sections(group)

    assert [s.template.title_fr for s in sections] == ["Introduction", "Légalité et légitimité", "Conclusion"]
    assert services.ensure_sections(group) == sections  # the second visit creates nothing


def test_a_save_makes_a_new_version_with_its_author_and_word_count(section, awa):
    result = services.save_section(section, "<p>L'Internet est un bien commun.</p>", base_version=0, by=awa)

    assert isinstance(result, services.Saved) and result.version == 1 and result.words == 5
    version = SectionVersion.objects.get(section=section)
    assert (version.number, version.author, version.html) == (1, awa, "<p>L'Internet est un bien commun.</p>")
    assert Section.objects.get(pk=section.pk).status == Section.Status.DRAFTING


def test_the_second_writer_gets_both_texts_and_nothing_is_overwritten(section, awa, sekou):
    services.save_section(section, "<p>Texte d'Awa</p>", base_version=0, by=awa)

    result = services.save_section(section, "<p>Texte de Sékou</p>", base_version=0, by=sekou)

    assert isinstance(result, services.Conflict)
    assert result.their_html == "<p>Texte d'Awa</p>" and result.your_html == "<p>Texte de Sékou</p>"
    assert result.their_author == awa and result.their_version == 1
    assert Section.objects.get(pk=section.pk).html == "<p>Texte d'Awa</p>"


def test_after_merging_both_texts_survive_as_the_next_version(section, awa, sekou):
    services.save_section(section, "<p>Texte d'Awa</p>", base_version=0, by=awa)
    conflict = services.save_section(section, "<p>Texte de Sékou</p>", base_version=0, by=sekou)

    merged = services.save_section(
        section, conflict.their_html + conflict.your_html, base_version=conflict.their_version, by=sekou,
        origin=SectionVersion.Origin.MERGED,
    )  # fmt: skip

    assert merged.version == 2
    assert "Awa" in Section.objects.get(pk=section.pk).html and "Sékou" in Section.objects.get(pk=section.pk).html


def test_resending_the_same_text_is_not_a_conflict_nor_a_new_version(section, awa):
    services.save_section(section, "<p>Une phrase.</p>", base_version=0, by=awa)

    again = services.save_section(section, "<p>Une phrase.</p>", base_version=0, by=awa)

    assert isinstance(again, services.Saved) and not again.changed
    assert SectionVersion.objects.filter(section=section).count() == 1


def test_scripts_and_event_handlers_are_removed_on_save(section, awa):
    services.save_section(
        section, '<p onclick="x()">Bon</p><script>alert(1)</script><a href="javascript:x()">lien</a>',
        base_version=0, by=awa,
    )  # fmt: skip

    html = Section.objects.get(pk=section.pk).html
    assert "script" not in html and "onclick" not in html and "javascript" not in html
    assert "Bon" in html


def test_restoring_an_old_version_creates_a_new_one(section, awa):
    services.save_section(section, "<p>Première</p>", base_version=0, by=awa)
    services.save_section(section, "<p>Seconde</p>", base_version=1, by=awa)

    restored = services.restore_version(section, 1, by=awa)

    assert restored.version == 3
    latest = SectionVersion.objects.get(section=section, number=3)
    assert latest.html == "<p>Première</p>" and latest.restored_from == 1
    assert SectionVersion.objects.filter(section=section).count() == 3


def test_members_cannot_write_before_the_groups_are_published(edition, section, awa):
    Formation.objects.filter(edition=edition).update(published_at=None)

    with pytest.raises(PermissionDenied):
        services.save_section(section, "<p>Trop tôt</p>", base_version=0, by=awa)


def test_a_member_of_another_group_cannot_write(edition, section):
    stranger = MembershipFactory(group=GroupFactory(edition=edition, name="Gouvernement")).user

    with pytest.raises(PermissionDenied):
        services.save_section(section, "<p>Intrus</p>", base_version=0, by=stranger)


@pytest.mark.parametrize("persona", ["organiser", "juror", "participant", "other_organiser", "outsider"])
def test_only_members_write_even_organisers_only_read(request, section, persona):
    with pytest.raises(PermissionDenied):
        services.save_section(section, "<p>Non</p>", base_version=0, by=request.getfixturevalue(persona))


def test_the_mentor_and_organisers_may_comment_but_strangers_may_not(section, organiser, outsider):
    assert services.add_comment(section, "Bonne introduction.", by=organiser).author == organiser
    with pytest.raises(PermissionDenied):
        services.add_comment(section, "Spam", by=outsider)


def test_a_submitted_document_is_read_only(section, group, awa):
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")

    with pytest.raises(services.WorkspaceClosed):
        services.save_section(section, "<p>Après coup</p>", base_version=0, by=awa)


def test_after_a_hard_deadline_nothing_is_saved(assignment, section, awa):
    AssignmentSettingsFactory(
        assignment=assignment, deadline=timezone.now() - dt.timedelta(hours=1),
        late_policy=AssignmentSettings.LatePolicy.HARD_STOP,
    )  # fmt: skip

    with pytest.raises(services.WorkspaceClosed):
        services.save_section(section, "<p>Trop tard</p>", base_version=0, by=awa)


def test_an_edition_wide_extension_reopens_the_workspace(assignment, section, awa, organiser):
    AssignmentSettingsFactory(
        assignment=assignment, deadline=timezone.now() - dt.timedelta(hours=1),
        late_policy=AssignmentSettings.LatePolicy.HARD_STOP,
    )  # fmt: skip
    Extension.objects.create(
        assignment=assignment, deadline=timezone.now() + dt.timedelta(days=2), reason="Coupure", granted_by=organiser
    )

    assert isinstance(services.save_section(section, "<p>Merci</p>", base_version=0, by=awa), services.Saved)


def test_late_work_is_accepted_until_the_cutoff_and_flagged(assignment, group):
    now = timezone.now()
    settings = AssignmentSettingsFactory(
        assignment=assignment, deadline=now - dt.timedelta(hours=1), late_cutoff=now + dt.timedelta(hours=1)
    )

    window = services.window_for(group, settings, now=now)

    assert window.accepts_work and window.is_late
    assert not services.window_for(group, settings, now=now + dt.timedelta(hours=2)).accepts_work


def test_a_group_extension_moves_the_late_cutoff_with_it(assignment, group, organiser):
    now = timezone.now()
    settings = AssignmentSettingsFactory(assignment=assignment, deadline=now, late_cutoff=now + dt.timedelta(hours=12))
    Extension.objects.create(assignment=assignment, group=group, deadline=now + dt.timedelta(days=1), reason="x")

    window = services.window_for(group, settings, now=now + dt.timedelta(days=1, hours=6))

    assert window.accepts_work and window.is_late


def test_words_are_counted_as_a_reader_counts_them():
    assert services.word_count("<p>L'Internet <strong>multi-acteurs</strong> au Mali&nbsp;: oui.</p>") == 5
    assert services.word_count("") == 0


def test_the_coordinator_role_is_read_from_the_membership(group, awa):
    Membership.objects.filter(user=awa).update(group_role=Membership.GroupRole.COORDINATOR)
    awa = type(awa).objects.get(pk=awa.pk)

    assert awa.has_perm("submissions.submit_document", group)

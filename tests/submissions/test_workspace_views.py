"""The group workspace's views: pages, the save endpoint (JSON and plain form), history, comments, status."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Role
from groups.models import Formation, Membership
from submissions import services
from submissions.diff import word_diff
from submissions.models import AssignmentSettings, Section, SectionComment, SectionVersion, Submission
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    EditionRoleFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)

Origin = SectionVersion.Origin


@pytest.fixture
def assignment(edition):
    assignment = AssignmentFactory(edition=edition)
    for position, (title, limit) in enumerate(
        [("Introduction", None), ("Légalité et légitimité", 500), ("Conclusion", None)], start=1
    ):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, word_limit=limit)
    return assignment


@pytest.fixture
def mentor(edition):
    return UserFactory(email="mentor@example.org", first_name="Oumar", last_name="Sanogo")


@pytest.fixture
def group(edition, assignment, mentor):
    """A group of published groups: members see their workspace only once the organisers publish them."""
    publish_groups(edition)
    return GroupFactory(edition=edition, name="Secteur privé", mentor=mentor)


@pytest.fixture
def awa(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Awa", last_name="Traoré")).user


@pytest.fixture
def sekou(group):
    return MembershipFactory(group=group, user=UserFactory(first_name="Sékou", last_name="Keïta")).user


@pytest.fixture
def stranger(edition, assignment):
    """A member of another group of the same edition."""
    return MembershipFactory(group=GroupFactory(edition=edition, name="Gouvernement")).user


@pytest.fixture
def sections(group):
    return services.ensure_sections(group)


@pytest.fixture
def section(sections):
    return sections[1]


def url(name: str, section: Section, **kwargs) -> str:
    group = section.group
    return reverse(f"submissions:{name}", args=[group.edition.slug, group.pk, section.pk], **kwargs)


def workspace_url(group) -> str:
    return reverse("submissions:workspace", args=[group.edition.slug, group.pk])


def post_json(client, section, html, base_version, origin="typed"):
    payload = {"html": html, "base_version": base_version, "origin": origin}
    return client.post(url("section_save", section), json.dumps(payload), content_type="application/json")


def publish_groups(edition) -> None:
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})


def stored(section) -> Section:
    return Section.objects.get(pk=section.pk)


# ---------------------------------------------------------------------------
# The workspace page
# ---------------------------------------------------------------------------
def test_a_member_opens_the_workspace_with_every_section_its_editor_and_word_limit(client, group, awa, section):
    services.save_section(section, "<p>L'Internet est un bien commun.</p>", base_version=0, by=awa)
    client.force_login(awa)

    response = client.get(workspace_url(group))

    assert response.status_code == 200
    html = response.content.decode()
    assert [s.template.title_fr for s in response.context["sections"]] == [
        "Introduction", "Légalité et légitimité", "Conclusion",
    ]  # fmt: skip
    assert html.count('data-testid="editor"') == 3
    assert "5</span> / 500" in html
    assert "Awa Traoré" in html  # who edited last
    assert 'id="ws-labels"' in html and "submissions/editor.js" in html
    assert "<script>" not in html.replace('<script id="ws-labels" type="application/json">', "")
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("persona", ["mentor", "organiser"])
def test_the_mentor_and_organisers_read_the_document_without_an_editor(request, client, group, awa, section, persona):
    services.save_section(section, "<p>Notre position.</p>", base_version=0, by=awa)
    client.force_login(request.getfixturevalue(persona))

    response = client.get(workspace_url(group))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="editor"' not in html and "editor.js" not in html
    assert 'data-testid="read-only"' in html
    assert "<p>Notre position.</p>" in html


@pytest.mark.parametrize("persona", ["stranger", "juror", "participant", "other_organiser", "outsider"])
def test_anyone_else_gets_403_on_the_workspace(request, client, group, sections, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(workspace_url(group)).status_code == 403


def test_a_group_of_another_edition_is_not_found_under_this_edition(client, edition, other_edition, awa):
    elsewhere = GroupFactory(edition=other_edition, name="Ailleurs")
    MembershipFactory(group=elsewhere, user=awa, edition=other_edition)
    client.force_login(awa)

    response = client.get(reverse("submissions:workspace", args=[edition.slug, elsewhere.pk]))

    assert response.status_code == 404


def test_a_section_of_another_group_is_not_found_under_ones_own_group(client, group, awa, stranger, edition):
    other_section = services.ensure_sections(Membership.objects.get(user=stranger).group)[0]
    client.force_login(awa)
    guessed = reverse("submissions:section_save", args=[edition.slug, group.pk, other_section.pk])

    response = client.post(guessed, {"html": "<p>Intrus</p>", "base_version": 0})

    assert response.status_code == 404
    assert stored(other_section).html == ""


def test_the_workspace_reads_in_the_same_number_of_queries_with_1_or_30_versions_per_section(
    client, group, awa, sekou, sections, django_assert_max_num_queries
):
    for section in sections:
        services.save_section(section, "<p>v1</p>", base_version=0, by=awa)
        SectionComment.objects.create(section=section, author=sekou, text="Bien.")
    client.force_login(awa)
    client.get(workspace_url(group))  # sessions and caches warmed alike for both runs

    with django_assert_max_num_queries(25) as few:
        client.get(workspace_url(group))
    for section in sections:
        for number in range(2, 31):
            author = sekou if number % 2 else awa
            services.save_section(section, f"<p>v{number}</p>", base_version=number - 1, by=author)
            SectionComment.objects.create(section=section, author=awa, text=f"Commentaire {number}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(workspace_url(group))
    assert response.status_code == 200 and SectionVersion.objects.count() == 90


def test_a_participant_finds_the_document_of_her_group_from_the_edition(client, edition, group, awa):
    publish_groups(edition)
    EditionRoleFactory(edition=edition, user=awa, role=Role.PARTICIPANT)
    client.force_login(awa)

    response = client.get(reverse("submissions:my_workspace", args=[edition.slug]))

    assert response.status_code == 302 and response.url == workspace_url(group)


def test_before_the_groups_are_published_a_participant_is_sent_to_the_my_group_page(client, edition, group, awa):
    Formation.objects.filter(edition=edition).delete()
    EditionRoleFactory(edition=edition, user=awa, role=Role.PARTICIPANT)
    client.force_login(awa)

    response = client.get(reverse("submissions:my_workspace", args=[edition.slug]))

    assert response.url == reverse("groups:my_group", args=[edition.slug])


# ---------------------------------------------------------------------------
# Saving (JSON: the editor)
# ---------------------------------------------------------------------------
def test_a_member_saves_and_gets_the_new_version_words_and_author(client, awa, section):
    client.force_login(awa)

    response = post_json(client, section, "<p>L'Internet est un bien commun.</p>", 0)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["status"] == "saved" and data["version"] == 1 and data["words"] == 5 and data["changed"]
    assert data["saved_by"] == "Awa Traoré" and data["saved_by_id"] == awa.pk and data["limit"] == 500
    assert data["saved_at"] and data["saved_at_label"]
    version = SectionVersion.objects.get(section=section)
    assert (version.number, version.author, version.origin) == (1, awa, Origin.TYPED)


def test_text_sent_after_a_network_failure_is_recorded_as_offline(client, awa, section):
    client.force_login(awa)

    post_json(client, section, "<p>Écrit pendant la coupure.</p>", 0, origin="offline")

    assert SectionVersion.objects.get(section=section).origin == Origin.OFFLINE


def test_a_stale_save_gets_409_with_both_texts_and_the_stored_text_is_unchanged(client, awa, sekou, section):
    services.save_section(section, "<p>Texte d'Awa</p>", base_version=0, by=awa)
    client.force_login(sekou)

    response = post_json(client, section, "<p>Texte de Sékou</p>", 0)

    assert response.status_code == 409
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "status": "conflict", "base_version": 0, "their_version": 1, "their_html": "<p>Texte d'Awa</p>",
        "their_author": "Awa Traoré", "your_html": "<p>Texte de Sékou</p>",
    }  # fmt: skip
    assert stored(section).html == "<p>Texte d'Awa</p>" and stored(section).version == 1


def test_after_a_merge_both_texts_survive_in_a_merged_version(client, awa, sekou, section):
    services.save_section(section, "<p>Texte d'Awa</p>", base_version=0, by=awa)
    client.force_login(sekou)
    conflict = post_json(client, section, "<p>Texte de Sékou</p>", 0).json()

    response = post_json(
        client, section, conflict["their_html"] + conflict["your_html"], conflict["their_version"], origin="merged"
    )

    assert response.status_code == 200 and response.json()["version"] == 2
    assert stored(section).html == "<p>Texte d'Awa</p><p>Texte de Sékou</p>"
    assert SectionVersion.objects.get(section=section, number=2).origin == Origin.MERGED


@pytest.mark.parametrize("persona", ["mentor", "organiser"])
def test_readers_cannot_save(request, client, section, persona):
    client.force_login(request.getfixturevalue(persona))

    response = post_json(client, section, "<p>Correction</p>", 0)

    assert response.status_code == 403 and response.json()["status"] == "forbidden"
    assert stored(section).html == "" and not SectionVersion.objects.exists()


def test_a_closed_workspace_answers_423_with_the_reason_and_saves_nothing(english, group, awa, section):
    client = english
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")
    client.force_login(awa)

    response = post_json(client, section, "<p>Après coup</p>", 0)

    assert response.status_code == 423
    assert response.json() == {"status": "closed", "message": "The document is submitted: it can no longer be edited."}
    assert stored(section).html == ""


def test_after_a_hard_deadline_the_page_says_why_and_shows_no_editor(client, assignment, group, awa, sections):
    AssignmentSettingsFactory(
        assignment=assignment, deadline=timezone.now() - dt.timedelta(hours=1),
        late_policy=AssignmentSettings.LatePolicy.HARD_STOP,
    )  # fmt: skip
    client.force_login(awa)

    response = client.get(workspace_url(group))

    html = response.content.decode()
    assert 'data-testid="workspace-closed"' in html and 'data-testid="editor"' not in html
    # The script still comes, to show text this device typed and never sent.
    assert f'data-unsent-key="malisig:ws:{awa.pk}:' in html and "editor.js" in html


def test_script_iframe_event_handlers_and_javascript_links_are_removed_on_save(client, awa, section):
    client.force_login(awa)
    dirty = (
        '<p onclick="steal()">Bon <img src="https://example.org/a.png" onerror="steal()"></p>'
        '<script>alert(1)</script><iframe src="https://evil.example"></iframe>'
        '<a href="javascript:steal()">lien</a>'
    )

    response = post_json(client, section, dirty, 0)

    assert response.status_code == 200
    html = stored(section).html
    for banned in ("script", "iframe", "onclick", "onerror", "javascript", "steal"):
        assert banned not in html
    assert "Bon" in html and 'src="https://example.org/a.png"' in html


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("not json", "application/json"),
        ('["a list"]', "application/json"),
        ('{"html": 3, "base_version": 0}', "application/json"),
        ('{"html": "<p>x</p>"}', "application/json"),
        ('{"html": "<p>x</p>", "base_version": -1}', "application/json"),
        ('{"html": "<p>x</p>", "base_version": "trois"}', "application/json"),
        ('{"html": "<p>x</p>", "base_version": 0, "origin": "restored"}', "application/json"),
    ],
)
def test_bad_input_gets_400_and_saves_nothing(client, awa, section, body, content_type):
    client.force_login(awa)

    response = client.post(url("section_save", section), body, content_type=content_type)

    assert response.status_code == 400 and response.json()["status"] == "invalid"
    assert not SectionVersion.objects.exists()


def test_a_text_above_the_size_limit_is_refused(english, awa, section):
    client = english
    client.force_login(awa)

    response = post_json(client, section, "<p>" + "mot " * 130_000 + "</p>", 0)

    assert response.status_code == 400 and "too long" in response.json()["message"]


def test_an_ended_session_gets_401_in_json_so_the_editor_keeps_the_text(client, section):
    response = post_json(client, section, "<p>x</p>", 0)

    assert response.status_code == 401 and response.json()["status"] == "login"


def test_the_save_endpoint_answers_post_only(client, awa, section):
    client.force_login(awa)

    assert client.get(url("section_save", section)).status_code == 405


# ---------------------------------------------------------------------------
# Saving without JavaScript (the plain form)
# ---------------------------------------------------------------------------
def test_the_plain_form_saves_plain_text_as_paragraphs_and_returns_to_the_workspace(client, group, awa, section):
    client.force_login(awa)

    response = client.post(
        url("section_save", section),
        {"html": "Premier paragraphe.\r\n\r\nSecond paragraphe.", "base_version": 0, "next": "workspace"},
    )

    assert response.status_code == 302 and response.url == f"{workspace_url(group)}#section-{section.pk}"
    assert stored(section).html == "<p>Premier paragraphe.</p><p>Second paragraphe.</p>"


def test_plain_text_without_tags_becomes_escaped_paragraphs(client, awa, section):
    client.force_login(awa)

    client.post(url("section_save", section), {"html": "a < b\nc\n\nd", "base_version": 0})

    assert stored(section).html == "<p>a &lt; b<br>c</p><p>d</p>"


def test_the_plain_form_shows_the_merge_page_on_conflict_and_keep_both_saves_both(client, awa, sekou, section):
    services.save_section(section, "<p>Texte d'Awa</p>", base_version=0, by=awa)
    client.force_login(sekou)

    merge = client.post(url("section_save", section), {"html": "<p>Texte de Sékou</p>", "base_version": 0})

    assert merge.status_code == 409
    assert merge.context["conflict"].their_html == "<p>Texte d'Awa</p>"
    assert "Texte de Sékou" in merge.content.decode() and "Texte d&#x27;Awa" not in merge.content.decode()

    client.post(
        url("section_save", section),
        {"html": "<p>Texte de Sékou</p>", "base_version": 1, "origin": "merged", "keep": "both"},
    )

    assert stored(section).html == "<p>Texte d'Awa</p><p>Texte de Sékou</p>"


def test_keep_theirs_on_the_merge_page_writes_no_new_version(client, awa, sekou, section):
    services.save_section(section, "<p>Texte d'Awa</p>", base_version=0, by=awa)
    client.force_login(sekou)

    client.post(url("section_save", section), {"html": "<p>Mien</p>", "base_version": 1, "keep": "theirs"})

    assert stored(section).html == "<p>Texte d'Awa</p>" and SectionVersion.objects.count() == 1


def test_the_plain_form_on_a_closed_workspace_says_why(english, group, awa, section):
    client = english
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")
    client.force_login(awa)

    response = client.post(url("section_save", section), {"html": "<p>x</p>", "base_version": 0}, follow=True)

    assert "it can no longer be edited" in response.content.decode()
    assert stored(section).html == ""


# ---------------------------------------------------------------------------
# Another group's member, with guessed ids: 403 everywhere
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("section", "get", {}),
        ("section_history", "get", {}),
        ("section_save", "post", {"html": "<p>Intrus</p>", "base_version": 0}),
        ("section_comments", "post", {"text": "Intrus"}),
        ("section_status", "post", {"status": "ready"}),
        ("section_restore", "post", {"number": 1}),
    ],
)
def test_a_member_of_another_group_gets_403_with_guessed_ids(client, awa, stranger, section, name, method, data):
    services.save_section(section, "<p>Nôtre</p>", base_version=0, by=awa)
    client.force_login(stranger)

    response = getattr(client, method)(url(name, section), data)

    assert response.status_code == 403
    assert stored(section).html == "<p>Nôtre</p>" and stored(section).status == Section.Status.DRAFTING
    assert not SectionComment.objects.exists()


# ---------------------------------------------------------------------------
# The section page, history, restore, comments, status
# ---------------------------------------------------------------------------
def test_the_section_page_shows_the_editor_comments_and_latest_versions(client, awa, sekou, section):
    services.save_section(section, "<p>Un</p>", base_version=0, by=awa)
    services.add_comment(section, "Ajoutez une source.", by=sekou)
    client.force_login(awa)

    response = client.get(url("section", section))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="editor"' in html and "Ajoutez une source." in html
    assert [v.number for v in response.context["versions"]] == [1]


def test_the_history_shows_the_words_inserted_and_deleted_by_a_version(client, awa, sekou, section):
    services.save_section(section, "<p>Les coupures sont illégales.</p>", base_version=0, by=awa)
    services.save_section(section, "<p>Les coupures sont souvent illégitimes.</p>", base_version=1, by=sekou)
    client.force_login(awa)

    response = client.get(url("section_history", section), {"v": 2})

    diff = str(response.context["shown"].diff)
    assert "<del>illégales.</del>" in diff and "<ins>souvent illégitimes.</ins>" in diff
    html = response.content.decode()
    assert "Sékou Keïta" in html and "Awa Traoré" in html
    assert 'data-testid="restore"' not in html  # version 2 is the current one


def test_the_history_of_the_first_version_shows_it_all_inserted(client, awa, section):
    services.save_section(section, "<p>Début</p>", base_version=0, by=awa)
    client.force_login(awa)

    response = client.get(url("section_history", section))

    assert str(response.context["shown"].diff) == "<p><ins>Début</ins></p>"


@pytest.mark.parametrize("shown", ["abc", "-1", "99999999999999999999999", "7"])
def test_the_history_ignores_a_version_it_cannot_show(client, awa, section, shown):
    services.save_section(section, "<p>Début</p>", base_version=0, by=awa)
    client.force_login(awa)

    response = client.get(url("section_history", section), {"v": shown})

    assert response.status_code == 200
    assert response.context["shown"] is None or response.context["shown"].number == 1


def test_restoring_an_old_version_from_the_history_creates_a_new_version(client, awa, section):
    services.save_section(section, "<p>Première</p>", base_version=0, by=awa)
    services.save_section(section, "<p>Seconde</p>", base_version=1, by=awa)
    client.force_login(awa)
    assert 'data-testid="restore"' in client.get(url("section_history", section), {"v": 1}).content.decode()

    response = client.post(url("section_restore", section), {"number": 1})

    assert response.status_code == 302 and response.url.endswith("?v=3")
    latest = SectionVersion.objects.get(section=section, number=3)
    assert latest.html == "<p>Première</p>" and latest.origin == Origin.RESTORED and latest.restored_from == 1
    assert stored(section).html == "<p>Première</p>" and SectionVersion.objects.count() == 3


def test_restoring_a_version_that_does_not_exist_is_not_found(client, awa, section):
    client.force_login(awa)

    assert client.post(url("section_restore", section), {"number": 7}).status_code == 404


def test_the_mentor_cannot_restore(client, awa, mentor, section):
    services.save_section(section, "<p>Première</p>", base_version=0, by=awa)
    services.save_section(section, "<p>Seconde</p>", base_version=1, by=awa)
    client.force_login(mentor)

    assert client.post(url("section_restore", section), {"number": 1}).status_code == 403
    assert stored(section).html == "<p>Seconde</p>"


def test_the_history_reads_in_the_same_number_of_queries_with_2_or_40_versions(
    client, awa, section, django_assert_max_num_queries
):
    for number in range(1, 3):
        services.save_section(section, f"<p>v{number}</p>", base_version=number - 1, by=awa)
    client.force_login(awa)
    client.get(url("section_history", section))

    with django_assert_max_num_queries(20) as few:
        client.get(url("section_history", section))
    for number in range(3, 41):
        services.save_section(section, f"<p>v{number}</p>", base_version=number - 1, by=awa)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("section_history", section))


@pytest.mark.parametrize("persona", ["awa", "mentor", "organiser"])
def test_members_the_mentor_and_organisers_comment_on_a_section(request, client, section, persona):
    author = request.getfixturevalue(persona)
    client.force_login(author)

    response = client.post(url("section_comments", section), {"text": "  Citez le rapport de l'UIT.  "})

    assert response.status_code == 302 and response.url.endswith("#comments")
    comment = SectionComment.objects.get(section=section)
    assert (comment.text, comment.author) == ("Citez le rapport de l'UIT.", author)


def test_an_empty_comment_is_refused_with_a_message(english, awa, section):
    client = english
    client.force_login(awa)

    response = client.post(url("section_comments", section), {"text": "   "}, follow=True)

    assert not SectionComment.objects.exists()
    assert "The comment is empty." in response.content.decode()


def test_a_member_marks_a_section_ready(client, group, awa, section):
    client.force_login(awa)

    response = client.post(url("section_status", section), {"status": "ready", "next": "workspace"})

    assert response.status_code == 302 and response.url.startswith(workspace_url(group))
    assert stored(section).status == Section.Status.READY


def test_an_unknown_status_changes_nothing(client, awa, section):
    client.force_login(awa)

    client.post(url("section_status", section), {"status": "published"})

    assert stored(section).status == Section.Status.TODO


def test_the_mentor_cannot_change_a_status(client, mentor, section):
    client.force_login(mentor)

    assert client.post(url("section_status", section), {"status": "ready"}).status_code == 403
    assert stored(section).status == Section.Status.TODO


def test_a_status_change_on_a_closed_workspace_says_why(english, group, awa, section):
    client = english
    Submission.objects.create(group=group, number=1, submitted_by=awa, declaration="ok")
    client.force_login(awa)

    response = client.post(url("section_status", section), {"status": "ready"}, follow=True)

    assert "it can no longer be edited" in response.content.decode()
    assert stored(section).status == Section.Status.TODO


def test_before_the_groups_are_published_a_member_can_neither_open_nor_save_the_workspace(
    client, edition, group, awa, section
):
    Formation.objects.filter(edition=edition).delete()
    client.force_login(awa)

    assert client.get(workspace_url(group)).status_code == 403
    response = client.post(
        reverse("submissions:section_save", args=[edition.slug, group.pk, section.pk]),
        {"html": "<p>Trop tôt</p>", "base_version": 0},
    )
    assert response.status_code == 403
    assert Section.objects.get(pk=section.pk).html == ""


# ---------------------------------------------------------------------------
# Links and the diff itself
# ---------------------------------------------------------------------------
def test_the_group_page_links_its_members_to_the_workspace(client, edition, group, awa):
    publish_groups(edition)
    EditionRoleFactory(edition=edition, user=awa, role=Role.PARTICIPANT)
    client.force_login(awa)

    response = client.get(reverse("groups:my_group", args=[edition.slug]))

    assert workspace_url(group) in response.content.decode()


def test_the_diff_escapes_text_and_follows_paragraphs():
    old = "<p>Un &lt;b&gt; deux</p><ul><li>trois</li></ul>"
    new = "<p>Un &lt;b&gt; deux quatre</p><ul><li>trois</li><li>cinq</li></ul>"

    assert str(word_diff(old, new)) == "<p>Un &lt;b&gt; deux <ins>quatre</ins></p><p>trois</p><p><ins>cinq</ins></p>"


def test_the_workspace_links_and_forms_of_each_section_lead_to_its_own_pages(client, group, awa):
    client.force_login(awa)
    page = client.get(reverse("submissions:workspace", args=[group.edition.slug, group.pk])).content.decode()

    for section in services.ensure_sections(group):
        args = [group.edition.slug, group.pk, section.pk]
        for name in ("section", "section_history", "section_save", "section_status"):
            assert f'"{reverse(f"submissions:{name}", args=args)}' in page, name

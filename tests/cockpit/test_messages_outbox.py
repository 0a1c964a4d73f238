"""The outbox pages: compose, review (edit, discard, send all or a selection), deliveries, templates, permissions."""

import pytest
from django.core import mail
from django.urls import reverse

from cohorts.models import Message, MessageRecipient, MessageTemplate
from cohorts.services import outbox
from tests.conftest import speak

from .messages_fixtures import elsewhere_fixture, recording_backend_fixture, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
R = MessageRecipient.State


def url(name, edition, **kwargs):
    return reverse(f"cockpit:{name}", kwargs={"slug": edition.slug, **kwargs})


def draft(edition, subject="Bonjour {first_name}", segment=None, label="Tous les participants"):
    return outbox.create_draft(
        edition,
        by=None,
        segment=segment or {"kind": "participants"},
        segment_label=label,
        subject_fr=subject,
        body_fr="Votre groupe : {group}",
        body_en="Your group: {group}",
    )


@pytest.fixture
def logged_in(client, organiser):
    client.force_login(organiser)
    return client


def test_compose_saves_a_draft_waiting_for_review(logged_in, organiser, world):
    response = logged_in.post(
        url("message_compose", world.edition),
        {
            "segment": f"group:{world.group_a.pk}",
            "subject_fr": "Bonjour {first_name}",
            "body_fr": "Groupe {group}",
            "subject_en": "",
            "body_en": "",
            "save": "1",
        },
    )

    assert response.status_code == 302 and response["Location"] == url("outbox", world.edition)
    message = Message.objects.get()
    assert (message.state, message.segment, message.created_by) == (
        Message.State.DRAFT,
        {"kind": "group", "group_id": world.group_a.pk},
        organiser,
    )
    assert "Gouvernement A" in message.segment_label
    assert not MessageRecipient.objects.exists() and mail.outbox == []


def test_preview_shows_the_first_recipients_rendered(logged_in, world):
    response = logged_in.post(
        url("message_compose", world.edition),
        {
            "segment": f"group:{world.group_a.pk}",
            "subject_fr": "Bonjour {first_name}",
            "body_fr": "Groupe {group}",
            "subject_en": "Hello {first_name}",
            "body_en": "Group {group}",
            "preview": "1",
        },
    )

    assert response.status_code == 200
    previews = [
        (recipient.email, language, subject, body) for recipient, language, subject, body in response.context["preview"]
    ]
    assert previews == [
        ("awa@example.org", "fr", "Bonjour Awa", "Groupe Gouvernement A"),
        ("sekou@example.org", "en", "Hello Sékou", "Group Gouvernement A"),
    ]
    assert response.context["recipient_count"] == 2
    assert not Message.objects.exists()


def test_a_group_of_another_edition_is_not_a_choice(logged_in, world, elsewhere):
    response = logged_in.post(
        url("message_compose", world.edition),
        {"segment": f"group:{elsewhere.group_a.pk}", "subject_fr": "S", "body_fr": "B", "save": "1"},
    )

    assert response.status_code == 200 and "segment" in response.context["form"].errors
    assert not Message.objects.exists()


def test_compose_starts_from_a_template(logged_in, world):
    template = outbox.save_template(
        world.edition,
        by=None,
        name="Bienvenue",
        subject_fr="Bienvenue {first_name}",
        body_fr="Texte",
        subject_en="Welcome",
        body_en="Text",
    )

    response = logged_in.get(url("message_compose", world.edition) + f"?template={template.pk}")

    assert response.context["form"].initial["subject_fr"] == "Bienvenue {first_name}"
    assert response.context["form"].initial["template"] == template.pk


def test_edit_a_draft(logged_in, world):
    message = draft(world.edition)

    response = logged_in.post(
        url("message_edit", world.edition, pk=message.pk),
        {"segment": "jury", "subject_fr": "Jury : {first_name}", "body_fr": "Texte", "save": "1"},
    )

    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.subject_fr, message.segment, message.body_en) == ("Jury : {first_name}", {"kind": "jury"}, "")


def test_a_sent_message_can_no_longer_be_edited(logged_in, world, recording_backend):
    message = draft(world.edition)
    outbox.queue_message(message, [outbox.Recipient(email="a@example.org")], by=None)

    response = logged_in.post(
        url("message_edit", world.edition, pk=message.pk),
        {"segment": "jury", "subject_fr": "Changé", "body_fr": "Texte", "save": "1"},
    )

    assert response["Location"] == url("message_detail", world.edition, pk=message.pk)
    message.refresh_from_db()
    assert message.subject_fr == "Bonjour {first_name}"


def test_discard_a_draft(logged_in, world):
    message = draft(world.edition)

    logged_in.post(url("outbox_action", world.edition), {"discard": message.pk})

    message.refresh_from_db()
    assert message.state == Message.State.DISCARDED
    assert list(logged_in.get(url("outbox", world.edition)).context["drafts"]) == []


def test_send_the_selected_drafts_only(
    logged_in, organiser, world, recording_backend, django_capture_on_commit_callbacks
):
    chosen = draft(world.edition, "Choisi {first_name}", {"kind": "group", "group_id": world.group_a.pk})
    left = draft(world.edition, "Laissé")

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(url("outbox_action", world.edition), {"send_selected": "1", "selected": [chosen.pk]})

    assert response.status_code == 302
    chosen.refresh_from_db()
    left.refresh_from_db()
    assert (chosen.state, chosen.sent_by, left.state) == (Message.State.SENT, organiser, Message.State.DRAFT)
    assert sorted((m.to[0], m.subject, m.body) for m in mail.outbox) == [
        ("awa@example.org", "Choisi Awa", "Votre groupe : Gouvernement A"),
        ("sekou@example.org", "Choisi Sékou", "Your group: Gouvernement A"),
    ]


def test_send_all_drafts(logged_in, world, recording_backend, django_capture_on_commit_callbacks):
    draft(world.edition, "Un", {"kind": "jury"})
    draft(world.edition, "Deux", {"kind": "pending_invitations"})

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(url("outbox_action", world.edition), {"send_all": "1"})

    assert set(Message.objects.values_list("state", flat=True)) == {Message.State.SENT}
    assert len(mail.outbox) == 4


def test_a_draft_whose_segment_is_empty_stays_a_draft(logged_in, world, recording_backend):
    message = draft(world.edition, segment={"kind": "group", "group_id": 987654})

    response = logged_in.post(url("outbox_action", world.edition), {"send_all": "1"}, follow=True)

    message.refresh_from_db()
    assert message.state == Message.State.DRAFT
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_drafts_of_another_edition_cannot_be_sent_from_here(logged_in, world, elsewhere, recording_backend):
    theirs = draft(elsewhere.edition)

    logged_in.post(url("outbox_action", world.edition), {"send_selected": "1", "selected": [theirs.pk]})
    response = logged_in.post(url("outbox_action", world.edition), {"discard": theirs.pk})

    theirs.refresh_from_db()
    assert theirs.state == Message.State.DRAFT and response.status_code == 404


def test_the_message_page_shows_each_recipients_state_and_reason(
    logged_in, world, recording_backend, django_capture_on_commit_callbacks
):
    message = draft(world.edition)
    recipients = [outbox.Recipient(email="ok@example.org"), outbox.Recipient(email="refused@example.org")]
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue_message(message, recipients, by=None)

    response = logged_in.get(url("message_detail", world.edition, pk=message.pk))
    failed = logged_in.get(url("message_detail", world.edition, pk=message.pk) + "?state=failed")

    assert {(c[0], c[2]) for c in response.context["counts"]} == {
        (R.QUEUED, 0),
        (R.SENDING, 0),
        (R.SENT, 1),
        (R.FAILED, 1),
    }
    assert [r.email for r in failed.context["page"]] == ["refused@example.org"]
    assert "No such user" in failed.content.decode()


def test_remind_button_prepares_a_draft_to_groups_without_a_submission(logged_in, world):
    response = logged_in.post(url("message_remind", world.edition))

    message = Message.objects.get()
    assert response["Location"] == url("message_edit", world.edition, pk=message.pk)
    assert (message.state, message.segment) == (Message.State.DRAFT, {"kind": "groups_without_submission"})
    assert "{deadline}" in message.body_fr


def test_templates_create_and_refuse_unknown_placeholders(logged_in, world):
    create = url("message_template_create", world.edition)

    refused = logged_in.post(create, {"name": "Rappel", "subject_fr": "S", "body_fr": "Bonjour {nom}"})
    saved = logged_in.post(create, {"name": "Rappel", "subject_fr": "S {edition}", "body_fr": "Bonjour {first_name}"})

    assert refused.status_code == 200 and "body_fr" in refused.context["form"].errors
    assert saved.status_code == 302
    assert list(MessageTemplate.objects.values_list("name", "body_fr")) == [("Rappel", "Bonjour {first_name}")]
    assert logged_in.get(url("message_templates", world.edition)).status_code == 200


def test_english_speaking_organiser_reads_the_outbox_in_english(logged_in, world):
    speak(logged_in, "en")

    response = logged_in.get(url("outbox", world.edition))

    assert "Waiting for review" in response.content.decode()


@pytest.mark.parametrize("persona", ["awa", "juror", "chair", "other_organiser"])
@pytest.mark.parametrize(
    "name",
    [
        "outbox",
        "message_compose",
        "message_templates",
        "message_detail",
        "message_edit",
        "outbox_action",
        "message_remind",
    ],
)
def test_only_the_editions_organisers_may_use_messages(client, request, world, persona, name):
    message = draft(world.edition)
    client.force_login(request.getfixturevalue(persona) if persona == "other_organiser" else getattr(world, persona))
    kwargs = {"pk": message.pk} if name in ("message_detail", "message_edit") else {}

    response = (
        client.post(url(name, world.edition, **kwargs), {"send_all": "1"})
        if name in ("outbox_action", "message_remind")
        else client.get(url(name, world.edition, **kwargs))
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.state == Message.State.DRAFT and Message.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(url("outbox", world.edition))

    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_site_staff_may_use_messages(client, staff, world):
    client.force_login(staff)

    assert client.get(url("outbox", world.edition)).status_code == 200


def fill_outbox(edition, n):
    for i in range(n):
        draft(edition, f"Brouillon {i}")
        sent = draft(edition, f"Envoyé {i}")
        outbox.queue_message(sent, [outbox.Recipient(email=f"p{i}-{j}@example.org") for j in range(3)], by=None)


@pytest.mark.parametrize("size", [1, 8])
def test_the_outbox_page_takes_the_same_queries_at_any_size(logged_in, world, django_assert_max_num_queries, size):
    fill_outbox(world.edition, size)

    with django_assert_max_num_queries(8):
        response = logged_in.get(url("outbox", world.edition))

    assert len(response.context["drafts"]) == size


@pytest.mark.parametrize("size", [1, 8])
def test_the_message_page_takes_the_same_queries_at_any_size(logged_in, world, django_assert_max_num_queries, size):
    message = draft(world.edition)
    outbox.queue_message(message, [outbox.Recipient(email=f"p{j}@example.org") for j in range(size)], by=None)

    with django_assert_max_num_queries(10):  # 10th: is its send task waiting for the broker (malisig.queue)?
        response = logged_in.get(url("message_detail", world.edition, pk=message.pk))

    assert len(response.context["page"]) == size


def test_the_edit_page_shows_the_draft_and_its_recipients(logged_in, world):
    message = draft(world.edition, segment={"kind": "group", "group_id": world.group_a.pk})

    response = logged_in.get(url("message_edit", world.edition, pk=message.pk))

    assert response.status_code == 200
    assert response.context["form"].initial["segment"] == f"group:{world.group_a.pk}"
    assert "Votre groupe : {group}" in response.content.decode()


def test_site_staff_find_messages_and_deliveries_in_the_admin(client, world):
    from tests.factories import UserFactory

    admin = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    message = draft(world.edition)
    outbox.queue_message(message, [outbox.Recipient(email="a@example.org")], by=None)
    client.force_login(admin)

    pages = [
        reverse("admin:cohorts_message_changelist") + "?state__exact=queued&q=Bonjour",
        reverse("admin:cohorts_message_change", args=[message.pk]),
        reverse("admin:cohorts_messagerecipient_changelist") + "?q=a@example.org",
        reverse("admin:cohorts_messagetemplate_changelist"),
    ]

    assert [client.get(page).status_code for page in pages] == [200, 200, 200, 200]
    recipient = message.recipients.get()
    assert client.post(reverse("admin:cohorts_messagerecipient_change", args=[recipient.pk]), {}).status_code == 403

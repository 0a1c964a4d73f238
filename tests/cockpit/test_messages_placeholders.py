import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cohorts.models import Message, MessageRecipient
from cohorts.services import outbox
from cohorts.services.outbox import Recipient

from .messages_fixtures import elsewhere_fixture, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def draft(edition, **texts):
    fields = {"subject_fr": "Bonjour {first_name}", "body_fr": "Groupe {group}", **texts}
    return outbox.create_draft(edition, by=None, segment={"kind": "participants"}, segment_label="Tous", **fields)


def test_placeholders_render_per_recipient_in_their_language(edition):
    message = draft(
        edition,
        subject_en="Hello {first_name}",
        body_fr="{full_name}, groupe {group}, avant le {deadline} : {link} ({edition}) {{literal}}",
        body_en="{full_name}, group {group}, by {deadline}: {link} ({edition})",
    )
    deadline = dt.datetime(2026, 12, 3, 17, 0, tzinfo=dt.UTC)
    awa = Recipient(
        email="awa@example.org",
        first_name="Awa",
        last_name="Traoré",
        language="fr",
        group="G1",
        deadline=deadline,
        link="http://x/1",
    )
    sekou = Recipient(email="s@example.org", first_name="Sékou", last_name="Keita", language="en", group="G2")

    fr = outbox.render_for(message, awa)
    en = outbox.render_for(message, sekou)

    assert fr[0] == "fr" and fr[1] == "Bonjour Awa"
    assert fr[2].startswith("Awa Traoré, groupe G1, avant le 3 décembre 2026")
    assert fr[2].endswith(": http://x/1 (MaliSIG 2023) {literal}")
    assert en == ("en", "Hello Sékou", "Sékou Keita, group G2, by :  (MaliSIG 2023)")


def test_english_reader_gets_the_french_text_when_there_is_no_english_one(edition):
    message = draft(edition)

    language, subject, body = outbox.render_for(
        message, Recipient(email="a@example.org", first_name="Al", language="en", group="G")
    )

    assert (language, subject, body) == ("en", "Bonjour Al", "Groupe G")


def test_unknown_language_falls_back_to_the_edition_default(edition):
    message = draft(edition)

    assert outbox.render_for(message, Recipient(email="a@example.org", language=""))[0] == "fr"


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour {prenom}",
        "Bonjour {first_name",
        "Bonjour first_name}",
        "{first_name.__class__}",
        "{first_name!r}",
        "{deadline:%Y}",
        "{0}",
        "{}",
    ],
)
def test_a_bad_placeholder_is_refused_listing_the_valid_ones_and_nothing_is_saved(edition, text):
    with pytest.raises(ValidationError) as refused:
        draft(edition, body_en=text)

    assert list(refused.value.message_dict) == ["body_en"]
    assert "{first_name}" in refused.value.message_dict["body_en"][0]
    assert "{deadline}" in refused.value.message_dict["body_en"][0]
    assert not Message.objects.exists()


def test_unknown_placeholder_is_named_in_the_error(edition):
    assert "{prenom}" in outbox.text_errors("Bonjour {prenom} {groupe}")
    assert "{groupe}" in outbox.text_errors("Bonjour {prenom} {groupe}")
    assert outbox.text_errors("Bonjour {first_name} {{pas un champ}}") is None


def test_queueing_revalidates_the_texts_and_queues_nothing_when_one_is_wrong(edition, world):
    message = draft(edition)
    Message.objects.filter(pk=message.pk).update(body_fr="Bonjour {prenom}")  # written behind the service's back
    message.refresh_from_db()

    with pytest.raises(ValidationError):
        outbox.queue_message(message, [Recipient(email="a@example.org")], by=None)

    message.refresh_from_db()
    assert message.state == Message.State.DRAFT
    assert not MessageRecipient.objects.exists()


def test_compose_page_shows_the_error_next_to_the_field_and_keeps_the_text(client, organiser, edition, world):
    client.force_login(organiser)
    url = reverse("cockpit:message_compose", kwargs={"slug": edition.slug})

    response = client.post(
        url, {"segment": "participants", "subject_fr": "Rappel", "body_fr": "Bonjour {prenom}", "save": "1"}
    )

    assert response.status_code == 200
    assert "{first_name}" in " ".join(response.context["form"].errors["body_fr"])
    assert "Bonjour {prenom}" in response.content.decode()
    assert not Message.objects.exists()

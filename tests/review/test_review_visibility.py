"""Who reads the other jurors' reviews and the jury's discussion: per the edition's setting (always, after submitting
one's own, never) for jurors; always for the chair and the organisers; never for a conflicted juror nor the group."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cohorts.models import Role
from submissions.models import ConflictOfInterest, Criterion, JuryMessage, ReviewAssignment, ReviewSettings
from submissions.services.review import criteria_of, start_all_reviews
from submissions.services.reviews import post_jury_message, save_review
from tests.conftest import speak
from tests.review.conftest import person

V = ReviewSettings.Visibility


@pytest.fixture(autouse=True)
def _english(client):
    speak(client, "en")
    with translation.override("en"):
        yield


@pytest.fixture
def submission(submissions, chair, edition, review_settings, assigned):
    start_all_reviews(edition, by=chair)
    submission = submissions["secteur-prive"]
    submission.refresh_from_db()
    return submission


@pytest.fixture
def criteria(edition, review_settings):
    return criteria_of(edition, Criterion.Rubric.DOCUMENT)


@pytest.fixture
def first_review(submission, jurors, criteria):
    """Juré1's submitted review, with a private note; Juré3 keeps a draft."""
    scores = {c.pk: (4, f"Remarque de Juré1 sur {c.name_en}") for c in criteria}
    save_review(submission, by=jurors[2], scores={criteria[0].pk: (1, "Brouillon de Juré3")})
    return save_review(
        submission, by=jurors[0], scores=scores, message="Message de Juré1", private_note="Note privée de Juré1",
        submit=True,
    )  # fmt: skip


def page(client, user, group):
    client.force_login(user)
    return client.get(reverse("submissions:review_page", args=[group.edition.slug, group.pk]))


def set_visibility(review_settings, mode):
    review_settings.reviews_visible = mode
    review_settings.save()


def shows_first_review(html: str) -> bool:
    return "Note privée de Juré1" in html and "Message de Juré1" in html and "Remarque de Juré1" in html


def test_always_a_juror_reads_the_others_before_writing_their_own(client, first_review, jurors, review_settings):
    set_visibility(review_settings, V.ALWAYS)

    html = page(client, jurors[1], first_review.submission.group).content.decode()

    assert shows_first_review(html)
    assert "Brouillon de Juré3" not in html  # drafts stay with their author
    assert 'id="discussion"' in html


def test_after_own_a_juror_reads_the_others_once_they_submit(client, first_review, jurors, review_settings, criteria):
    set_visibility(review_settings, V.AFTER_OWN)
    group = first_review.submission.group

    before = page(client, jurors[1], group).content.decode()
    save_review(first_review.submission, by=jurors[1], scores={c.pk: (3, "") for c in criteria}, submit=True)
    after = page(client, jurors[1], group).content.decode()

    assert not shows_first_review(before) and 'id="discussion"' not in before
    assert "once you submit yours" in before
    assert shows_first_review(after) and 'id="discussion"' in after


def test_after_own_a_draft_is_not_enough(client, first_review, jurors, review_settings, criteria):
    set_visibility(review_settings, V.AFTER_OWN)

    html = page(client, jurors[2], first_review.submission.group).content.decode()

    assert not shows_first_review(html)


def test_never_a_juror_does_not_read_the_others_nor_the_discussion(
    client, first_review, jurors, review_settings, criteria
):
    set_visibility(review_settings, V.NEVER)
    save_review(first_review.submission, by=jurors[1], scores={c.pk: (3, "") for c in criteria}, submit=True)
    group = first_review.submission.group

    html = page(client, jurors[1], group).content.decode()
    posted = client.post(reverse("submissions:review_discussion", args=[group.edition.slug, group.pk]), {"text": "?"})

    assert not shows_first_review(html) and 'id="discussion"' not in html
    assert "do not see each other's reviews" in html
    assert posted.status_code == 403
    assert not JuryMessage.objects.exists()
    with pytest.raises(PermissionDenied):
        post_jury_message(first_review.submission, by=jurors[1], text="?")


@pytest.mark.parametrize("mode", V.values)
def test_the_chair_and_organisers_read_every_submitted_review(
    client, first_review, chair, organiser, review_settings, mode
):
    set_visibility(review_settings, mode)

    for reader in (chair, organiser):
        html = page(client, reader, first_review.submission.group).content.decode()

        assert shows_first_review(html) and 'id="discussion"' in html
        assert "Brouillon de Juré3" not in html


def test_a_conflicted_chair_reads_nothing(client, first_review, chair, review_settings):
    set_visibility(review_settings, V.ALWAYS)
    ConflictOfInterest.objects.create(juror=chair, group=first_review.submission.group, kind="other", status="declared")

    response = page(client, chair, first_review.submission.group)

    assert response.status_code == 404


def test_a_juror_who_declared_a_conflict_after_reviewing_reads_nothing_more(client, first_review, jurors):
    group = first_review.submission.group
    ConflictOfInterest.objects.create(juror=jurors[0], group=group, kind="personal", status="declared")

    response = page(client, jurors[0], group)

    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["member", "coordinator", "other_member"])
def test_participants_cannot_see_the_reviews(client, first_review, persona, request):
    user = request.getfixturevalue(persona)
    group = first_review.submission.group

    response = page(client, user, group)
    snapshot = client.get(reverse("submissions:submission_detail", args=[group.edition.slug, group.pk, 1]))

    assert response.status_code == 404
    assert "Note privée de Juré1" not in snapshot.content.decode()
    assert "Message de Juré1" not in snapshot.content.decode()


def test_the_discussion_is_written_and_read_by_the_jury(client, first_review, jurors, chair, review_settings):
    set_visibility(review_settings, V.AFTER_OWN)
    group = first_review.submission.group
    url = reverse("submissions:review_discussion", args=[group.edition.slug, group.pk])
    client.force_login(jurors[0])

    response = client.post(url, {"text": "Le chiffre de la page 2 est-il sourcé ?"})

    assert response.status_code == 302 and response["Location"].endswith("#discussion")
    message = JuryMessage.objects.get()
    assert (message.author, message.submission) == (jurors[0], first_review.submission)
    assert "Le chiffre de la page 2 est-il sourcé ?" in page(client, chair, group).content.decode()
    # Juré2 has not submitted: neither reads nor writes yet.
    assert "Le chiffre de la page 2" not in page(client, jurors[1], group).content.decode()
    assert client.post(url, {"text": "Moi aussi"}).status_code == 403
    assert JuryMessage.objects.count() == 1


def test_an_empty_message_is_refused(client, first_review, jurors):
    group = first_review.submission.group
    client.force_login(jurors[0])

    response = client.post(reverse("submissions:review_discussion", args=[group.edition.slug, group.pk]), {"text": " "})

    assert response.status_code == 400
    assert "Write a message." in response.content.decode()
    assert not JuryMessage.objects.exists()


def test_the_review_page_query_count_does_not_grow_with_reviews_and_messages(
    client, submission, jurors, chair, criteria, review_settings, edition
):
    set_visibility(review_settings, V.ALWAYS)
    group = submission.group
    save_review(submission, by=jurors[1], scores={c.pk: (3, "x") for c in criteria}, submit=True)
    post_jury_message(submission, by=jurors[1], text="Un")
    page(client, chair, group)
    with CaptureQueriesContext(connection) as small:
        assert page(client, chair, group).status_code == 200
    for n in range(4):
        extra = person(edition, f"extra{n}@example.org", f"Extra{n}", "Jury", role=Role.JUROR)
        ReviewAssignment.objects.create(group=group, juror=extra)
        save_review(submission, by=extra, scores={c.pk: (2, "y") for c in criteria}, submit=True)
        post_jury_message(submission, by=extra, text=f"Message {n}")
    with CaptureQueriesContext(connection) as large:
        html = page(client, chair, group).content.decode()

    assert html.count('data-testid="other-review"') == 5
    assert len(large.captured_queries) == len(small.captured_queries)

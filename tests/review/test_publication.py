"""Publication: members' name consent, the organiser publishes accepted documents, the public pages (HTML, PDF,
images) show only published documents and only the names of members who agreed."""

import io

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohorts.models import Edition, Role
from groups.models import Membership
from submissions.models import ExportFile, GroupFile, NameConsent, Submission, SubmissionChange, SubmittedSection
from submissions.services import publication, review
from tests.conftest import speak
from tests.factories import GroupFactory, MembershipFactory, StakeholderTypeFactory
from tests.review.conftest import SECTION_TITLES, person, write_and_submit

S = Submission.State
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def accept(submissions, chair, edition, codes=None):
    for code, submission in submissions.items():
        if codes is None or code in codes:
            review.start_review(submission, by=chair)
            review.stage_decision(submission, "accepted", by=chair)
    review.release_decisions(edition, by=chair)
    for submission in submissions.values():
        submission.refresh_from_db()
    return submissions


@pytest.fixture
def accepted(submissions, chair, edition):
    return accept(submissions, chair, edition)


@pytest.fixture
def published(accepted, organiser):
    for submission in accepted.values():
        review.publish(submission, by=organiser)
        submission.refresh_from_db()
    return accepted


def consent(group, user, publish_name):
    NameConsent.objects.create(group=group, user=user, publish_name=publish_name)


# ---------------------------------------------------------------------------
# Name consent


def _consent_url(edition, group):
    return reverse("submissions:name_consent", args=[edition.slug, group.pk])


def test_member_records_own_consent_and_changes_it(client, edition, groups, member, coordinator, submissions):
    group = groups["secteur-prive"]
    client.force_login(member)

    response = client.post(_consent_url(edition, group), {"publish_name": "yes", "user": coordinator.pk})

    assert response.status_code == 302
    assert list(NameConsent.objects.values_list("user_id", "publish_name")) == [(member.pk, True)]

    client.post(_consent_url(edition, group), {"publish_name": "no"})

    assert list(NameConsent.objects.values_list("user_id", "publish_name")) == [(member.pk, False)]


def test_consent_form_shows_on_the_submission_page_for_members_only(client, edition, groups, member, organiser,
                                                                     submissions):  # fmt: skip
    group = groups["secteur-prive"]
    url = reverse("submissions:submission_detail", args=[edition.slug, group.pk, submissions["secteur-prive"].number])
    client.force_login(member)
    speak(client, "en")

    page = client.get(url).content.decode()

    assert 'data-testid="name-consent"' in page
    assert "You have not answered: your name is not printed." in page
    client.force_login(organiser)
    assert 'data-testid="name-consent"' not in client.get(url).content.decode()


@pytest.mark.parametrize("persona", ["outsider", "other_member", "organiser"])
def test_consent_refused_to_non_members(client, edition, groups, submissions, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(_consent_url(edition, groups["secteur-prive"]), {"publish_name": "yes"})

    assert response.status_code == 403
    assert not NameConsent.objects.exists()


def test_consent_without_a_choice_changes_nothing(client, edition, groups, member, submissions):
    client.force_login(member)

    response = client.post(_consent_url(edition, groups["secteur-prive"]), {})

    assert response.status_code == 302
    assert not NameConsent.objects.exists()


# ---------------------------------------------------------------------------
# Publishing


def test_organiser_sees_accepted_documents_and_publishes_one(client, edition, organiser, accepted):
    client.force_login(organiser)
    page = client.get(reverse("submissions:publication_manage", args=[edition.slug])).content.decode()
    assert page.count('data-testid="candidate"') == 3
    target = accepted["gouvernement"]

    response = client.post(reverse("submissions:publish_one", args=[edition.slug, target.pk]))

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.state == S.PUBLISHED
    assert SubmissionChange.objects.filter(submission=target, old=S.ACCEPTED, new=S.PUBLISHED, by=organiser).exists()
    assert Submission.objects.filter(state=S.PUBLISHED).count() == 1


def test_publish_all_publishes_accepted_only(client, edition, organiser, submissions, chair):
    accept(submissions, chair, edition, codes={"gouvernement", "secteur-prive"})
    client.force_login(organiser)

    client.post(reverse("submissions:publish_all", args=[edition.slug]))

    states = {code: Submission.objects.get(pk=s.pk).state for code, s in submissions.items()}
    assert states == {"gouvernement": S.PUBLISHED, "secteur-prive": S.PUBLISHED, "societe-civile": S.SUBMITTED}


def test_publishing_a_document_not_accepted_is_refused_with_409(client, edition, organiser, submissions, chair):
    target = submissions["societe-civile"]
    review.start_review(target, by=chair)
    client.force_login(organiser)

    response = client.post(reverse("submissions:publish_one", args=[edition.slug, target.pk]))

    assert response.status_code == 409
    assert 'data-testid="publish-error"' in response.content.decode()
    target.refresh_from_db()
    assert target.state == S.IN_REVIEW
    assert not SubmissionChange.objects.filter(new=S.PUBLISHED).exists()


def test_publishing_twice_is_refused_with_409(client, edition, organiser, published):
    client.force_login(organiser)

    response = client.post(reverse("submissions:publish_one", args=[edition.slug, published["gouvernement"].pk]))

    assert response.status_code == 409
    assert SubmissionChange.objects.filter(new=S.PUBLISHED).count() == 3


@pytest.mark.parametrize("persona", ["chair", "jurors", "member", "outsider", "other_organiser"])
def test_publishing_refused_to_others(client, edition, accepted, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user[0] if isinstance(user, list) else user)
    target = accepted["gouvernement"]

    page = client.get(reverse("submissions:publication_manage", args=[edition.slug]))
    one = client.post(reverse("submissions:publish_one", args=[edition.slug, target.pk]))
    every = client.post(reverse("submissions:publish_all", args=[edition.slug]))

    assert (page.status_code, one.status_code, every.status_code) == (403, 403, 403)
    assert not Submission.objects.filter(state=S.PUBLISHED).exists()


def test_another_editions_submission_is_404_on_the_publishing_page(client, edition, other_edition, accepted):
    other = person(other_edition, "org2@example.org", "Org", "Two", role=Role.ORGANISER)
    client.force_login(other)

    response = client.post(reverse("submissions:publish_one", args=[other_edition.slug, accepted["gouvernement"].pk]))

    assert response.status_code == 404
    assert not Submission.objects.filter(state=S.PUBLISHED).exists()


# ---------------------------------------------------------------------------
# Public pages


def test_public_pages_list_only_published_documents(client, edition, organiser, accepted):
    review.publish(accepted["secteur-prive"], by=organiser)

    listing = client.get(reverse("submissions:published_list", args=[edition.slug])).content.decode()
    edition_page = client.get(reverse("cohorts:edition_public", args=[edition.slug])).content.decode()

    for page in (listing, edition_page):
        assert "Secteur privé A" in page
        assert "Gouvernement A" not in page
        assert "Société civile A" not in page
        assert reverse("submissions:published_detail", args=[edition.slug, accepted["secteur-prive"].pk]) in page


def test_edition_public_page_has_no_section_before_publication(client, edition, accepted):
    page = client.get(reverse("cohorts:edition_public", args=[edition.slug])).content.decode()

    assert 'data-testid="published-documents"' not in page


def test_document_page_shows_sections_type_and_only_consenting_names(client, edition, groups, coordinator, member,
                                                                     published):  # fmt: skip
    group = groups["secteur-prive"]
    consent(group, coordinator, True)
    consent(group, member, False)
    third = person(edition, "oumar@example.org", "Oumar", "Sangaré")
    MembershipFactory(group=group, user=third)  # never answered: not printed

    response = client.get(reverse("submissions:published_detail", args=[edition.slug, published["secteur-prive"].pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Awa Traoré" in page
    assert "Sékou Keita" not in page
    assert "Oumar Sangaré" not in page
    assert "awa@example.org" not in page
    assert "Secteur privé" in page
    assert page.count('data-testid="section"') == 3
    assert "secteur-prive : Légalité et légitimité des coupures." in page


def test_pdf_contains_the_sections_and_only_consenting_names(client, edition, groups, coordinator, member, published):
    group = groups["secteur-prive"]
    consent(group, coordinator, True)
    consent(group, member, False)
    url = reverse("submissions:published_pdf", args=[edition.slug, published["secteur-prive"].pk])

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="malisig-2023-secteur-prive-a.pdf"' in response["Content-Disposition"]
    text = " ".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )
    assert "Awa Traoré" in text
    assert "Sékou" not in text
    assert "secteur-prive : Légalité et légitimité des coupures." in " ".join(text.split())
    for title in SECTION_TITLES:
        assert title in text


def test_pdf_is_cached_and_rebuilt_when_a_member_withdraws_consent(client, edition, groups, coordinator, published):
    group = groups["secteur-prive"]
    consent(group, coordinator, True)
    url = reverse("submissions:published_pdf", args=[edition.slug, published["secteur-prive"].pk])
    b"".join(client.get(url).streaming_content)
    b"".join(client.get(url).streaming_content)
    assert ExportFile.objects.filter(group=group).count() == 1

    client.force_login(coordinator)
    client.post(reverse("submissions:name_consent", args=[edition.slug, group.pk]), {"publish_name": "no"})
    client.logout()
    data = b"".join(client.get(url).streaming_content)

    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Awa" not in text
    assert ExportFile.objects.filter(group=group).count() == 1


def test_guessed_ids_of_unpublished_or_other_editions_documents_are_404(client, edition, other_edition, organiser,
                                                                         accepted):  # fmt: skip
    review.publish(accepted["gouvernement"], by=organiser)
    kind = StakeholderTypeFactory(edition=other_edition)
    elsewhere = Submission.objects.create(
        group=GroupFactory(edition=other_edition, stakeholder_type=kind), number=1, state=S.PUBLISHED, declaration="-"
    )
    guesses = [
        (edition.slug, accepted["secteur-prive"].pk),  # accepted, not published
        (edition.slug, elsewhere.pk),  # published, in another edition
        (other_edition.slug, accepted["gouvernement"].pk),  # published here, asked through the other edition
    ]

    for slug, pk in guesses:
        for name in ("published_detail", "published_pdf"):
            assert client.get(reverse(f"submissions:{name}", args=[slug, pk])).status_code == 404, (name, slug, pk)


def test_draft_editions_have_no_public_documents(client, edition, published):
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.DRAFT)

    listing = client.get(reverse("submissions:published_list", args=[edition.slug]))
    detail = client.get(reverse("submissions:published_detail", args=[edition.slug, published["gouvernement"].pk]))

    assert (listing.status_code, detail.status_code) == (404, 404)


def test_images_of_a_published_document_are_public_only_when_shown(client, edition, groups, coordinator, published):
    group = groups["secteur-prive"]
    shown, hidden = (
        GroupFile.objects.create(
            group=group, role=GroupFile.Role.IMAGE, file=ContentFile(PNG, name="x.png"), display_name=f"{name}.png",
            content_type="image/png", size=len(PNG), uploaded_by=coordinator,
        )
        for name in ("carte", "brouillon")
    )  # fmt: skip
    src = reverse("submissions:group_file", args=[edition.slug, group.pk, shown.pk])
    SubmittedSection.objects.filter(submission=published["secteur-prive"], position=1).update(
        html=f'<p>Voir :</p><p><img src="{src}" alt="Carte"></p>'
    )
    public_src = reverse("submissions:published_image", args=[edition.slug, published["secteur-prive"].pk, shown.pk])

    page = client.get(reverse("submissions:published_detail", args=[edition.slug, published["secteur-prive"].pk]))
    image = client.get(public_src)
    other = client.get(
        reverse("submissions:published_image", args=[edition.slug, published["secteur-prive"].pk, hidden.pk])
    )

    assert f'src="{public_src}"' in page.content.decode()
    assert src not in page.content.decode()
    assert image.status_code == 200
    assert b"".join(image.streaming_content) == PNG
    assert image["X-Content-Type-Options"] == "nosniff"
    assert other.status_code == 404


def add_published_groups(edition, organiser, chair, numbers):
    """Groups of every stakeholder type, each with a member who agreed to be named, published."""
    kinds = list(edition.stakeholder_types.all())
    for n in numbers:
        group = GroupFactory(edition=edition, stakeholder_type=kinds[n % len(kinds)], name=f"Groupe {n:02d}")
        writer = person(edition, f"writer{n}@example.org", "Auteur", f"N{n}")
        MembershipFactory(group=group, user=writer, group_role=Membership.GroupRole.COORDINATOR)
        consent(group, writer, True)
        submission = write_and_submit(group, writer, [f"<p>{n}</p>"] * len(SECTION_TITLES))
        review.start_review(submission, by=chair)
        review.stage_decision(submission, "accepted", by=chair)
    review.release_decisions(edition, by=chair)
    publication.publish_all_accepted(edition, by=organiser)


def test_public_pages_query_count_does_not_grow_with_documents(client, edition, groups, organiser, chair):
    urls = [
        reverse("submissions:published_list", args=[edition.slug]),
        reverse("cohorts:edition_public", args=[edition.slug]),
        reverse("submissions:comparison_public", args=[edition.slug]),
    ]

    def count():
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    add_published_groups(edition, organiser, chair, range(3))
    small = count()
    add_published_groups(edition, organiser, chair, range(3, 12))

    assert Submission.objects.filter(state=S.PUBLISHED).count() == 12
    assert count() == small

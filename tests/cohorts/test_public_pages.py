import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Edition, Enrolment, MasterclassMaterial, Phase, Sponsor
from cohorts.services import save_concept_note
from tests.factories import EditionFactory, EnrolmentFactory, MasterclassFactory, PhaseFactory, SchoolFactory


def school_url(school) -> str:
    return reverse("cohorts:school_public", args=[school.slug])


def public_url(edition) -> str:
    return reverse("cohorts:edition_public", args=[edition.slug])


def test_anyone_sees_a_schools_published_editions_newest_first(client, edition):
    older = EditionFactory(school=edition.school, slug="malisig-2021", title="MaliSIG 2021", year=2021)
    EditionFactory(school=edition.school, slug="malisig-2026", title="MaliSIG 2026", year=2026, status="draft")

    response = client.get(school_url(edition.school))

    assert response.status_code == 200
    assert response.context["editions"] == [edition, older]
    assert "MaliSIG 2026" not in response.content.decode()


def test_the_school_page_counts_admitted_invited_active_and_completed_people(english, edition):
    for status in Enrolment.Status.values:
        EnrolmentFactory(edition=edition, status=status)
    EnrolmentFactory(edition=edition, status=Enrolment.Status.ACTIVE)
    other = EditionFactory(school=edition.school, slug="malisig-2022", year=2022)
    EnrolmentFactory(edition=other, status=Enrolment.Status.COMPLETED)

    response = english.get(school_url(edition.school))

    counts = {shown.slug: shown.participant_count for shown in response.context["editions"]}
    assert counts == {"malisig-2023": 5, "malisig-2022": 1}
    assert response.context["participant_total"] == 6
    assert "5 participants" in response.content.decode()


def test_an_unknown_school_is_not_found(client, db):
    assert client.get(reverse("cohorts:school_public", args=["nowhere"])).status_code == 404


@pytest.mark.parametrize("count", [1, 5])
def test_the_school_page_makes_two_queries_whatever_the_number_of_editions(
    client, db, count, django_assert_max_num_queries
):
    school = SchoolFactory()
    for index in range(count):
        edition = EditionFactory(school=school, slug=f"malisig-{2020 + index}", year=2020 + index)
        EnrolmentFactory(edition=edition)

    with django_assert_max_num_queries(2):
        response = client.get(school_url(school))

    assert len(response.context["editions"]) == count


def test_anyone_reads_an_editions_public_page(english, edition):
    edition.theme = "Gouvernance de l'Internet et développement accéléré du numérique"
    edition.save()
    save_concept_note(edition, "<p>Le <strong>MaliSIG</strong> forme la relève.</p>", by=None)

    response = english.get(public_url(edition))

    content = response.content.decode()
    assert response.status_code == 200
    assert "développement accéléré du numérique" in content
    assert "<p>Le <strong>MaliSIG</strong> forme la relève.</p>" in content
    assert reverse("cohorts:school_public", args=["malisig"]) in content


def test_a_draft_edition_has_no_public_page(client, edition):
    edition.status = Edition.Status.DRAFT
    edition.save()

    assert client.get(public_url(edition)).status_code == 404


def test_an_unknown_edition_has_no_public_page(client, db):
    assert client.get(reverse("cohorts:edition_public", args=["nowhere-2099"])).status_code == 404


def test_the_public_page_shows_the_timeline_and_whats_next(english, edition):
    today = timezone.localdate()
    PhaseFactory(
        edition=edition, kind=Phase.Kind.ONLINE_COURSE, starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=2),
    )  # fmt: skip
    PhaseFactory(edition=edition, kind=Phase.Kind.WORKSHOP)

    response = english.get(public_url(edition))

    assert [phase.kind for phase in response.context["phases"]] == ["online_course", "workshop"]
    assert response.context["next_phase"].kind == "workshop"
    assert "In-person workshop" in response.content.decode()


def test_the_public_page_lists_material_links_but_not_private_files(english, edition):
    masterclass = MasterclassFactory(edition=edition, title_fr="Cybersécurité", title_en="Cybersecurity")
    MasterclassMaterial.objects.create(masterclass=masterclass, title="Diapositives", link="https://isoc.ml/slides")
    MasterclassMaterial.objects.create(masterclass=masterclass, title="Enregistrement", file="materials/abc.mp4")

    content = english.get(public_url(edition)).content.decode()

    assert "Cybersecurity" in content
    assert '<a href="https://isoc.ml/slides" rel="noopener">Diapositives</a>' in content
    assert "Enregistrement" not in content
    assert "abc.mp4" not in content


def test_the_public_page_shows_sponsors_then_partners_with_their_logo_and_link(english, edition):
    Sponsor.objects.create(edition=edition, kind=Sponsor.Kind.PARTNER, name="AMRTP")
    isoc = Sponsor.objects.create(
        edition=edition, kind=Sponsor.Kind.SPONSOR, name="Internet Society", link="https://isoc.org/",
        logo="logos/isoc.png",
    )  # fmt: skip

    response = english.get(public_url(edition))

    content = response.content.decode()
    assert [sponsor.name for sponsor in response.context["sponsors"]] == ["Internet Society"]
    assert [partner.name for partner in response.context["partners"]] == ["AMRTP"]
    logo_url = reverse("cohorts:sponsor_logo", args=[edition.slug, isoc.pk])
    assert f'<a href="https://isoc.org/" rel="noopener"><img src="{logo_url}"' in content
    assert content.index("Internet Society") < content.index("AMRTP")


@pytest.mark.parametrize("count", [1, 5])
def test_the_public_page_makes_six_queries_whatever_the_number_of_items(
    client, edition, count, django_assert_max_num_queries
):
    kinds = list(Phase.Kind)
    for index in range(count):
        PhaseFactory(edition=edition, kind=kinds[index])
        masterclass = MasterclassFactory(edition=edition)
        MasterclassMaterial.objects.create(masterclass=masterclass, title=f"Lien {index}", link="https://isoc.ml/")
        Sponsor.objects.create(edition=edition, name=f"Sponsor {index}")

    with django_assert_max_num_queries(6):
        response = client.get(public_url(edition))

    assert len(response.context["masterclasses"]) == count
    assert len(response.context["sponsors"]) == count


def test_a_logged_in_member_reads_the_public_page_too(client, participant, edition):
    client.force_login(participant)

    assert client.get(public_url(edition)).status_code == 200


def _sponsor_with_logo(edition, content: bytes) -> Sponsor:
    sponsor = Sponsor(edition=edition, name="Internet Society")
    sponsor.logo.save("isoc.png", ContentFile(content))
    return sponsor


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def test_anyone_downloads_a_sponsors_logo_which_the_app_reads_from_the_media_storage(client, edition):
    sponsor = _sponsor_with_logo(edition, PNG)

    response = client.get(reverse("cohorts:sponsor_logo", args=[edition.slug, sponsor.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG


def test_a_logo_is_not_found_through_a_draft_edition_or_another_editions_address(client, edition, other_edition):
    sponsor = _sponsor_with_logo(edition, PNG)
    other_address = client.get(reverse("cohorts:sponsor_logo", args=[other_edition.slug, sponsor.pk]))
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.DRAFT)
    draft = client.get(reverse("cohorts:sponsor_logo", args=[edition.slug, sponsor.pk]))

    assert other_address.status_code == 404
    assert draft.status_code == 404


def test_a_sponsor_without_a_logo_or_with_a_file_that_is_not_an_image_has_none(client, edition):
    without = Sponsor.objects.create(edition=edition, name="AMRTP")
    not_an_image = _sponsor_with_logo(edition, b"<svg onload=alert(1)>")

    for sponsor in (without, not_an_image):
        assert client.get(reverse("cohorts:sponsor_logo", args=[edition.slug, sponsor.pk])).status_code == 404

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cohorts.models import Edition, EditionRole, Masterclass, MasterclassMaterial, Phase, Role, Sponsor
from cohorts.services import copy_edition_settings, create_edition, save_concept_note, update_edition
from cohorts.signals import edition_copied
from tests.factories import EditionFactory, MasterclassFactory, PhaseFactory, SchoolFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def settings_url(edition, name="edition_settings") -> str:
    return reverse(f"cohorts:{name}", args=[edition.slug])


def rows(prefix: str, *forms: dict, initial: int = 0) -> dict:
    """The POST of a settings list: its management form, then one dict per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(forms)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, form in enumerate(forms):
        data.update({f"{prefix}-{index}-{field}": value for field, value in form.items()})
    return data


def edition_form(**changes) -> dict:
    data = {
        "title": "MaliSIG 2023",
        "theme": "Gouvernance de l'Internet",
        "venue": "Bamako",
        "starts_on": "2023-07-24",
        "ends_on": "2023-10-05",
        "status": "open",
        "capacity": "45",
        "pass_mark": "",
        "concept_note": "",
    }
    return {**data, **changes}


# --- create_edition -------------------------------------------------------------------------------


def test_create_edition_takes_the_next_number_and_a_default_title_as_a_draft(organiser, edition):
    created = create_edition(edition.school, slug="malisig-2026", year=2026, by=organiser)

    assert (created.number, created.title, created.status) == (edition.number + 1, "MaliSIG 2026", "draft")
    assert EditionRole.objects.filter(edition=created, user=organiser, role=Role.ORGANISER).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"slug": "malisig-2023"}, "slug"),
        ({"slug": "ecole"}, "slug"),
        ({"slug": "mon-profil"}, "slug"),
        ({"slug": "invitation"}, "slug"),
        ({"slug": "MaliSIG 2026"}, "slug"),
        ({"year": 26}, "year"),
        ({"number": 1}, "number"),
        ({"pass_mark": "dix"}, "pass_mark"),
    ],
)
def test_create_edition_refuses_a_bad_value_and_writes_nothing(edition, changes, field):
    edition.number = 1
    edition.save()
    values = {"slug": "malisig-2026", "year": 2026, **changes}

    with pytest.raises(ValidationError) as refused:
        create_edition(edition.school, by=None, **values)

    assert list(refused.value.message_dict) == [field]
    assert Edition.objects.count() == 1


def test_update_edition_sanitises_the_concept_note(organiser, edition):
    update_edition(edition, {"concept_note": '<p onclick="x()">Été<script>alert(1)</script></p>'}, by=organiser)

    edition.refresh_from_db()
    assert edition.concept_note == "<p>Été</p>"


def test_save_concept_note_stores_the_sanitised_html(organiser, edition):
    save_concept_note(edition, '<h2>Contexte</h2><iframe src="https://x.example"></iframe>', by=organiser)

    edition.refresh_from_db()
    assert edition.concept_note == "<h2>Contexte</h2>"


# --- copy_edition_settings ------------------------------------------------------------------------


@pytest.fixture
def set_up_edition(edition):
    edition.pass_mark = Decimal("10.5")
    edition.completion_required = True
    edition.capacity = 45
    edition.theme = "Coupures d'Internet"
    edition.starts_on, edition.ends_on = dt.date(2023, 7, 24), dt.date(2023, 10, 5)
    edition.save()
    PhaseFactory(edition=edition, kind=Phase.Kind.ONLINE_COURSE, starts_on=dt.date(2023, 7, 24),
                 ends_on=dt.date(2023, 9, 6), link="https://learning.internetsociety.org/")  # fmt: skip
    PhaseFactory(edition=edition, kind=Phase.Kind.DEFENSE, starts_on=dt.date(2023, 10, 5), ends_on=dt.date(2023, 10, 5))
    MasterclassFactory(edition=edition)
    Sponsor.objects.create(edition=edition, name="Internet Society", link="https://isoc.org/", logo="logos/isoc.png")
    Sponsor.objects.create(edition=edition, kind=Sponsor.Kind.PARTNER, name="AMRTP", position=2)
    return edition


def test_copy_edition_settings_moves_the_timeline_to_the_new_year(organiser, set_up_edition):
    target = copy_edition_settings(set_up_edition, slug="malisig-2026", year=2026, title="MaliSIG 2026", by=organiser)

    assert list(target.phases.values_list("kind", "starts_on", "ends_on", "link")) == [
        ("online_course", dt.date(2026, 7, 24), dt.date(2026, 9, 6), "https://learning.internetsociety.org/"),
        ("defense", dt.date(2026, 10, 5), dt.date(2026, 10, 5), ""),
    ]
    assert (target.starts_on, target.ends_on) == (dt.date(2026, 7, 24), dt.date(2026, 10, 5))


def test_copy_edition_settings_keeps_the_rules_and_sponsors_but_not_the_theme_or_masterclasses(
    organiser, set_up_edition
):
    target = copy_edition_settings(set_up_edition, slug="malisig-2026", year=2026, title="MaliSIG 2026", by=organiser)

    assert (target.pass_mark, target.completion_required, target.capacity) == (Decimal("10.5"), True, 45)
    assert (target.status, target.theme, target.school, target.number) == (
        "draft", "", set_up_edition.school, set_up_edition.number + 1,
    )  # fmt: skip
    assert list(target.sponsors.values_list("kind", "name", "link", "logo", "position")) == [
        ("partner", "AMRTP", "", "", 2),
        ("sponsor", "Internet Society", "https://isoc.org/", "logos/isoc.png", 0),
    ]
    assert not target.masterclasses.exists()


def test_the_organiser_who_copies_organises_the_new_edition(organiser, edition):
    target = copy_edition_settings(edition, slug="malisig-2026", year=2026, by=organiser)

    assert list(target.roles.values_list("user", "role", "granted_by")) == [
        (organiser.pk, Role.ORGANISER, organiser.pk)
    ]


def test_a_29_february_becomes_the_28th_in_a_year_without_one(edition):
    PhaseFactory(
        edition=edition, kind=Phase.Kind.WORKSHOP, starts_on=dt.date(2024, 2, 28), ends_on=dt.date(2024, 2, 29)
    )
    edition.year = 2024
    edition.save()

    target = copy_edition_settings(edition, slug="malisig-2025", year=2025, by=None)

    assert list(target.phases.values_list("starts_on", "ends_on")) == [(dt.date(2025, 2, 28), dt.date(2025, 2, 28))]


def test_copying_sends_edition_copied_after_commit(organiser, edition, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs["source"], kwargs["target"], kwargs["by"]))

    edition_copied.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            target = copy_edition_settings(edition, slug="malisig-2026", year=2026, by=organiser)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        edition_copied.disconnect(receiver)

    assert received == [(Edition, edition, target, organiser)]


def test_a_refused_copy_writes_nothing_and_sends_nothing(organiser, set_up_edition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError):
        copy_edition_settings(set_up_edition, slug=set_up_edition.slug, year=2026, by=organiser)

    assert callbacks == []
    assert Edition.objects.count() == 1
    assert Phase.objects.count() == 2


# --- who may open the settings pages --------------------------------------------------------------

SETTINGS_PAGES = [
    "edition_settings", "settings_phases", "settings_masterclasses", "settings_sponsors", "edition_copy",
]  # fmt: skip


@pytest.mark.parametrize("page", SETTINGS_PAGES)
@pytest.mark.parametrize("persona", ["organiser", "staff"])
def test_organisers_and_staff_open_the_settings_pages(client, edition, page, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(settings_url(edition, page)).status_code == 200


@pytest.mark.parametrize("page", SETTINGS_PAGES)
@pytest.mark.parametrize("persona", ["participant", "juror", "jury_chair", "other_organiser", "outsider"])
def test_other_people_are_refused_the_settings_pages(client, edition, page, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(settings_url(edition, page)).status_code == 403
    assert client.post(settings_url(edition, page), {}).status_code == 403


@pytest.mark.parametrize("page", SETTINGS_PAGES)
def test_anonymous_visitors_are_sent_to_log_in_from_the_settings_pages(client, edition, page):
    response = client.get(settings_url(edition, page))

    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


def test_participants_cannot_post_the_materials_of_a_masterclass(client, participant, edition):
    masterclass = MasterclassFactory(edition=edition)
    client.force_login(participant)

    response = client.post(reverse("cohorts:settings_materials", args=[edition.slug, masterclass.pk]), {})

    assert response.status_code == 403


# --- the edition's own settings -------------------------------------------------------------------


def test_organisers_save_the_edition_settings(client, organiser, edition):
    client.force_login(organiser)
    data = edition_form(pass_mark="10,5", completion_required="on", concept_note='<p style="x">Note <b>clé</b></p>')

    response = client.post(settings_url(edition), data)

    edition.refresh_from_db()
    assert response.status_code == 302
    assert response.url == settings_url(edition)
    assert (edition.theme, edition.venue, edition.status, edition.capacity) == (
        "Gouvernance de l'Internet", "Bamako", "open", 45,
    )  # fmt: skip
    assert (edition.pass_mark, edition.completion_required) == (Decimal("10.5"), True)
    assert (edition.starts_on, edition.ends_on) == (dt.date(2023, 7, 24), dt.date(2023, 10, 5))
    assert edition.concept_note == "<p>Note <b>clé</b></p>"


def test_a_pass_mark_with_a_dot_is_read_in_french_too(client, organiser, edition):
    client.force_login(organiser)

    client.post(settings_url(edition), edition_form(pass_mark="12.25"))

    edition.refresh_from_db()
    assert edition.pass_mark == Decimal("12.25")


def test_an_end_before_the_start_is_refused_next_to_the_end_and_nothing_is_lost(english, organiser, edition):
    english.force_login(organiser)

    response = english.post(settings_url(edition), edition_form(title="MaliSIG 2023 bis", ends_on="2023-07-01"))

    edition.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors == {"ends_on": ["The end date must be on or after the start date."]}
    assert edition.title == "MaliSIG 2023"
    assert 'value="MaliSIG 2023 bis"' in response.content.decode()
    assert response.context["edition"].title == "MaliSIG 2023"


def test_django_errors_come_in_french_by_default(client, organiser, edition):
    client.force_login(organiser)

    response = client.post(settings_url(edition), edition_form(title="", capacity="beaucoup"))

    assert response.context["form"].errors == {
        "title": ["Ce champ est obligatoire."],
        "capacity": ["Saisissez un nombre entier."],
    }


# --- timeline, masterclasses, materials, sponsors -------------------------------------------------


def test_organisers_set_the_timeline(client, organiser, edition):
    client.force_login(organiser)
    data = rows(
        "phases",
        {"kind": "workshop", "starts_on": "2023-09-19", "ends_on": "2023-09-20", "link": ""},
        {"kind": "defense", "starts_on": "2023-10-05", "ends_on": "2023-10-05", "link": "isoc.ml/live"},
        {"kind": "", "starts_on": "", "ends_on": "", "link": ""},
    )

    response = client.post(settings_url(edition, "settings_phases"), data)

    assert response.status_code == 302
    assert list(edition.phases.values_list("kind", "starts_on", "ends_on", "link")) == [
        ("workshop", dt.date(2023, 9, 19), dt.date(2023, 9, 20), ""),
        ("defense", dt.date(2023, 10, 5), dt.date(2023, 10, 5), "https://isoc.ml/live"),
    ]


def test_a_phase_ending_before_it_starts_is_refused_next_to_its_end_and_no_row_is_saved(english, organiser, edition):
    english.force_login(organiser)
    data = rows(
        "phases",
        {"kind": "workshop", "starts_on": "2023-09-19", "ends_on": "2023-09-20"},
        {"kind": "defense", "starts_on": "2023-10-05", "ends_on": "2023-10-01"},
    )

    response = english.post(settings_url(edition, "settings_phases"), data)

    assert response.status_code == 200
    assert response.context["formset"].errors == [{}, {"ends_on": ["The end date must be on or after the start date."]}]
    assert not edition.phases.exists()
    assert 'value="2023-10-01"' in response.content.decode()


def test_a_phase_kind_used_twice_is_refused(client, organiser, edition):
    client.force_login(organiser)
    data = rows(
        "phases",
        {"kind": "workshop", "starts_on": "2023-09-19", "ends_on": "2023-09-20"},
        {"kind": "workshop", "starts_on": "2023-09-21", "ends_on": "2023-09-22"},
    )

    response = client.post(settings_url(edition, "settings_phases"), data)

    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not edition.phases.exists()


def test_organisers_delete_a_phase(client, organiser, edition):
    phase = PhaseFactory(edition=edition)
    client.force_login(organiser)
    data = rows(
        "phases",
        {"id": phase.pk, "kind": phase.kind, "starts_on": phase.starts_on, "ends_on": phase.ends_on, "DELETE": "on"},
        initial=1,
    )

    client.post(settings_url(edition, "settings_phases"), data)

    assert not Phase.objects.filter(pk=phase.pk).exists()


@pytest.mark.parametrize("delete", ["", "on"])
def test_a_phase_of_another_edition_cannot_be_changed_through_this_one(
    client, organiser, edition, other_edition, delete
):
    elsewhere = PhaseFactory(edition=other_edition, starts_on=dt.date(2022, 9, 19), ends_on=dt.date(2022, 9, 20))
    client.force_login(organiser)
    data = rows(
        "phases",
        {"id": elsewhere.pk, "kind": "workshop", "starts_on": "2023-01-01", "ends_on": "2023-01-02", "DELETE": delete},
        initial=1,
    )

    response = client.post(settings_url(edition, "settings_phases"), data)

    elsewhere.refresh_from_db()
    assert response.status_code == 302  # the unknown row is ignored: the formset only sees this edition's phases
    assert (elsewhere.edition, elsewhere.starts_on) == (other_edition, dt.date(2022, 9, 19))
    assert not edition.phases.exists()


def test_organisers_add_a_masterclass(client, organiser, edition):
    client.force_login(organiser)
    data = rows(
        "masterclasses",
        {
            "title_fr": "Cybersécurité et confiance numérique",
            "title_en": "Cybersecurity and digital trust",
            "speakers": "M. Lamine Kané",
            "starts_at": "2023-09-21T09:00",
            "place": "SIDAN",
        },
    )

    response = client.post(settings_url(edition, "settings_masterclasses"), data)

    masterclass = Masterclass.objects.get(edition=edition)
    assert response.status_code == 302
    assert (masterclass.title_en, masterclass.speakers, masterclass.place) == (
        "Cybersecurity and digital trust", "M. Lamine Kané", "SIDAN",
    )  # fmt: skip
    assert masterclass.starts_at == dt.datetime(2023, 9, 21, 9, 0, tzinfo=dt.UTC)  # Bamako is UTC+0


def test_organisers_add_a_link_and_a_file_to_a_masterclass(client, organiser, edition):
    masterclass = MasterclassFactory(edition=edition)
    client.force_login(organiser)
    data = rows(
        "materials",
        {"title": "Diapositives", "link": "https://isoc.ml/slides.pdf"},
        {"title": "Lecture", "file": SimpleUploadedFile("lecture.pdf", b"%PDF-1.4 ...")},
    )

    response = client.post(reverse("cohorts:settings_materials", args=[edition.slug, masterclass.pk]), data)

    assert response.status_code == 302
    materials = list(MasterclassMaterial.objects.filter(masterclass=masterclass).order_by("title"))
    assert [(m.title, m.link) for m in materials] == [("Diapositives", "https://isoc.ml/slides.pdf"), ("Lecture", "")]
    assert materials[1].file.name.startswith("materials/")
    assert materials[1].file.name.endswith(".pdf")


def test_a_material_needs_a_link_or_a_file(english, organiser, edition):
    masterclass = MasterclassFactory(edition=edition)
    english.force_login(organiser)

    response = english.post(
        reverse("cohorts:settings_materials", args=[edition.slug, masterclass.pk]),
        rows("materials", {"title": "Diapositives", "link": ""}),
    )

    assert response.context["formset"].errors == [{"link": ["Give a link or a file."]}]
    assert not MasterclassMaterial.objects.exists()


def test_the_materials_of_another_editions_masterclass_are_not_found(client, organiser, edition, other_edition):
    elsewhere = MasterclassFactory(edition=other_edition)
    client.force_login(organiser)

    response = client.get(reverse("cohorts:settings_materials", args=[edition.slug, elsewhere.pk]))

    assert response.status_code == 404


def test_organisers_add_sponsors_with_a_png_logo(client, organiser, edition):
    client.force_login(organiser)
    data = rows(
        "sponsors",
        {"kind": "sponsor", "name": "Internet Society", "link": "https://isoc.org/", "position": "0",
         "logo": SimpleUploadedFile("isoc.png", PNG, content_type="image/png")},
        {"kind": "partner", "name": "AMRTP", "link": "", "position": "1"},
    )  # fmt: skip

    response = client.post(settings_url(edition, "settings_sponsors"), data)

    assert response.status_code == 302
    sponsors = list(edition.sponsors.all())
    assert [(s.kind, s.name) for s in sponsors] == [("partner", "AMRTP"), ("sponsor", "Internet Society")]
    assert sponsors[1].logo.name.startswith("logos/")
    assert sponsors[1].logo.name.endswith(".png")


def test_a_logo_that_is_not_an_image_is_refused_next_to_it_and_no_sponsor_is_saved(english, organiser, edition):
    english.force_login(organiser)
    data = rows(
        "sponsors",
        {"kind": "sponsor", "name": "Internet Society", "position": "0",
         "logo": SimpleUploadedFile("isoc.svg", SVG, content_type="image/svg+xml")},
        {"kind": "partner", "name": "AMRTP", "position": "1"},
    )  # fmt: skip

    response = english.post(settings_url(edition, "settings_sponsors"), data)

    assert response.status_code == 200
    assert response.context["formset"].errors == [{"logo": ["Only PNG, JPEG or WebP images are accepted."]}, {}]
    assert not Sponsor.objects.exists()
    assert 'value="AMRTP"' in response.content.decode()


# --- copying from the web -------------------------------------------------------------------------


def test_the_copy_form_suggests_next_years_names(client, organiser, edition):
    client.force_login(organiser)

    response = client.get(settings_url(edition, "edition_copy"))

    assert response.context["form"].initial == {
        "year": 2024,
        "number": edition.number + 1,
        "slug": "malisig-2024",
        "title": "MaliSIG 2024",
    }


def test_organisers_copy_their_edition_and_land_on_the_new_settings(client, organiser, set_up_edition):
    client.force_login(organiser)
    data = {"slug": "malisig-2026", "year": "2026", "number": "9", "title": "MaliSIG 2026"}

    response = client.post(settings_url(set_up_edition, "edition_copy"), data)

    target = Edition.objects.get(slug="malisig-2026")
    assert response.status_code == 302
    assert response.url == settings_url(target)
    assert (target.number, target.title, target.year, target.phases.count()) == (9, "MaliSIG 2026", 2026, 2)
    assert EditionRole.objects.filter(edition=target, user=organiser, role=Role.ORGANISER).exists()
    assert client.get(response.url).status_code == 200


def test_a_copy_to_an_address_name_in_use_is_refused_next_to_it(english, organiser, edition):
    EditionFactory(school=SchoolFactory(), slug="malisig-2026", number=99)
    english.force_login(organiser)
    data = {"slug": "malisig-2026", "year": "2026", "number": "7", "title": "MaliSIG 2026"}

    response = english.post(settings_url(edition, "edition_copy"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {"slug": ["An edition already uses the address name “malisig-2026”."]}
    assert Edition.objects.count() == 2


def test_staff_copy_any_edition(client, staff, edition):
    client.force_login(staff)
    data = {"slug": "malisig-2026", "year": "2026", "number": "9", "title": "MaliSIG 2026"}

    response = client.post(settings_url(edition, "edition_copy"), data)

    assert response.status_code == 302
    assert Edition.objects.filter(slug="malisig-2026", school=edition.school).exists()

"""The organisers' assignment settings: the assignment and its questions, the document's structure, deadlines and
deliverables in the assignment's time zone, extensions; and what everyone in the edition sees of them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from submissions import services
from submissions.models import Assignment, AssignmentSettings, Extension, Question, Section, SectionTemplate
from submissions.services import window_for
from tests.conftest import speak
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    GroupFactory,
    QuestionFactory,
    SectionTemplateFactory,
)

UTC = dt.UTC
PAGES = ["settings_assignment", "settings_structure", "settings_deadlines", "settings_extensions"]
SEED_QUESTION = (
    "1- Quelle est la légalité et la légitimité de ces coupures d'Internet au vu des principes de Gouvernance de "
    "l'Internet ? Argumentez."
)


def url(edition, page: str = "settings_assignment") -> str:
    return reverse(f"submissions:{page}", args=[edition.slug])


def management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def question_row(index: int, question=None, **values) -> dict:
    fields = {"position": "", "text_fr": "", "text_en": "", "guidance_fr": "", "guidance_en": ""}
    if question is not None:
        fields.update({name: getattr(question, name) for name in fields}, id=question.pk)
        fields["assignment"] = question.assignment_id
    fields.update(values)
    return {f"questions-{index}-{name}": value for name, value in fields.items()}


def part_row(index: int, part=None, **values) -> dict:
    fields = {"position": "", "kind": "other", "question": "", "title_fr": "", "title_en": "", "word_limit": ""}
    if part is not None:
        fields.update({name: getattr(part, name) for name in fields if name != "question"}, id=part.pk)
        fields.update(question=part.question_id or "", word_limit=part.word_limit or "")
        fields["assignment"] = part.assignment_id
        if part.required:
            fields["required"] = "on"
    fields.update(values)
    return {f"parts-{index}-{name}": value for name, value in fields.items()}


def assignment_form(assignment=None, **values) -> dict:
    data = {"title_fr": "Les coupures d'Internet", "title_en": "Internet shutdowns", "statement_fr": "Énoncé.",
            "statement_en": ""}  # fmt: skip
    if assignment is not None:
        data.update({name: getattr(assignment, name) for name in data})
    data.update(values)
    return data


def deadlines_form(**values) -> dict:
    data = {
        "opens_at": "2023-09-08T08:00",
        "deadline": "2023-09-15T23:59",
        "time_zone": "Africa/Bamako",
        "late_policy": "flagged",
        "late_cutoff": "2023-09-16T12:00",
        "presentation_required": "on",
        "attachments_allowed": "on",
        "declaration_fr": "Nous déclarons que ce document est notre propre travail.",
        "declaration_en": "We declare this document is our own work.",
    }
    data.update(values)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def assignment(edition):
    return AssignmentFactory(edition=edition, statement_fr="Premier paragraphe.\n\nSecond & dernier.")


@pytest.fixture
def settings_row(assignment):
    return AssignmentSettingsFactory(
        assignment=assignment,
        deadline=dt.datetime(2023, 9, 15, 23, 59, tzinfo=UTC),
        late_cutoff=dt.datetime(2023, 9, 16, 12, 0, tzinfo=UTC),
    )


# --- who may open the pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["organiser", "staff"])
def test_organisers_and_staff_open_every_settings_page(client, assignment, settings_row, page, persona, request):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(url(assignment.edition, page))

    assert response.status_code == 200
    assert 'data-testid="assignment-settings-nav"' in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser", "outsider"])
def test_other_people_are_refused_every_settings_page(client, assignment, page, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(assignment.edition, page)).status_code == 403
    assert client.post(url(assignment.edition, page), {}).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, edition, page):
    response = client.get(url(edition, page))

    assert response.status_code == 302
    assert response.url.startswith("/comptes/login/")


@pytest.mark.parametrize("page", ["settings_structure", "settings_deadlines", "settings_extensions"])
def test_the_other_tabs_ask_for_the_assignment_first(client, organiser, edition, page):
    client.force_login(organiser)

    response = client.get(url(edition, page))

    assert response.status_code == 200
    assert 'data-testid="needs-assignment"' in response.content.decode()


def test_the_services_check_the_organisers_right_too(participant, other_organiser, assignment):
    with pytest.raises(PermissionDenied):
        services.create_default_structure(assignment, by=participant)
    with pytest.raises(PermissionDenied):
        services.save_submission_settings(assignment, {"members_confirm": True}, by=other_organiser)
    with pytest.raises(PermissionDenied):
        services.grant_extension(
            assignment, group=None, deadline=dt.datetime(2030, 1, 1, tzinfo=UTC), reason="x", by=participant
        )
    assert not SectionTemplate.objects.exists()
    assert not AssignmentSettings.objects.exists()


def test_organisers_find_the_settings_from_the_edition_and_the_assignment_pages(client, organiser, assignment):
    edition = assignment.edition
    client.force_login(organiser)

    pages = [
        client.get(edition.get_absolute_url()),
        client.get(reverse("submissions:assignment_detail", args=[edition.slug])),
    ]

    for page in pages:
        assert url(edition) in page.content.decode()


def test_participants_see_no_link_to_the_settings(client, participant, assignment):
    client.force_login(participant)

    page = client.get(reverse("submissions:assignment_detail", args=[assignment.edition.slug]))

    assert url(assignment.edition) not in page.content.decode()


# --- the assignment and its questions -----------------------------------------------------------------------------


def test_organisers_write_the_assignment_and_its_questions_from_scratch(client, organiser, edition):
    client.force_login(organiser)
    data = {
        **assignment_form(statement_en="Problem statement."),
        **management("questions", 2, 0),
        **question_row(0, position="1", text_fr="Est-ce légal ?", guidance_fr="Citez les principes."),
        **question_row(1, position="2", text_fr="Faut-il agir ?", text_en="Should we act?"),
    }

    response = client.post(url(edition), data)

    assert response.status_code == 302
    assignment = Assignment.objects.get(edition=edition)
    assert (assignment.title_fr, assignment.statement_en) == ("Les coupures d'Internet", "Problem statement.")
    assert list(assignment.questions.values_list("position", "text_fr", "guidance_fr", "text_en")) == [
        (1, "Est-ce légal ?", "Citez les principes.", ""),
        (2, "Faut-il agir ?", "", "Should we act?"),
    ]


def test_the_statement_is_sanitised_on_save(client, organiser, assignment):
    speak(client, "en")
    client.force_login(organiser)
    typed = '<p onclick="steal()">Les <b>coupures</b></p><script>alert(1)</script><a href="javascript:x()">lien</a>'

    response = client.post(
        url(assignment.edition),
        {**assignment_form(assignment, statement_fr=typed), **management("questions", 0, 0)},
        follow=True,
    )

    assignment.refresh_from_db()
    assert assignment.statement_fr == '<p>Les <b>coupures</b></p><a rel="noopener noreferrer nofollow">lien</a>'
    assert "script" not in assignment.statement_fr
    assert [str(message) for message in response.context["messages"]][-1] == (
        "Some formatting of the problem statement was removed for safety."
    )


def test_a_plain_text_statement_is_kept_as_typed_and_shown_in_paragraphs(client, participant, assignment):
    client.force_login(participant)

    page = client.get(reverse("submissions:assignment_detail", args=[assignment.edition.slug])).content.decode()

    assert "<p>Premier paragraphe.</p>\n\n<p>Second &amp; dernier.</p>" in page


def test_an_html_statement_is_shown_as_html(client, participant, assignment):
    assignment.statement_fr = "<h2>Contexte</h2><p>Les <em>coupures</em></p><script>alert(1)</script>"
    assignment.save()
    client.force_login(participant)

    page = client.get(reverse("submissions:assignment_detail", args=[assignment.edition.slug])).content.decode()

    assert "<h2>Contexte</h2><p>Les <em>coupures</em></p>" in page
    assert "alert(1)" not in page


def test_rich_text_keeps_plain_text_plain_and_html_safe():
    assert services.rich_text("Un\nDeux & trois") == "<p>Un<br>Deux &amp; trois</p>"
    assert services.rich_text('<p>Un</p><img src="x" onerror="alert(1)">') == '<p>Un</p><img src="x">'
    assert services.rich_text("") == ""


def test_questions_swap_their_order_in_one_save(client, organiser, assignment):
    first = QuestionFactory(assignment=assignment, position=1, text_fr="Première")
    second = QuestionFactory(assignment=assignment, position=2, text_fr="Seconde")
    client.force_login(organiser)

    response = client.post(url(assignment.edition), {
        **assignment_form(assignment), **management("questions", 2, 2),
        **question_row(0, first, position="2"), **question_row(1, second, position="1"),
    })  # fmt: skip

    assert response.status_code == 302
    assert list(assignment.questions.values_list("text_fr", flat=True)) == ["Seconde", "Première"]


def test_two_questions_with_the_same_order_are_refused(english, organiser, assignment):
    question = QuestionFactory(assignment=assignment, position=1)
    english.force_login(organiser)

    response = english.post(url(assignment.edition), {
        **assignment_form(assignment, title_fr="Nouveau titre"), **management("questions", 2, 1),
        **question_row(0, question), **question_row(1, position="1", text_fr="Encore une"),
    })  # fmt: skip

    assert response.status_code == 200
    assert response.context["formset"].non_form_errors() == [
        "Two rows have the same order number (1): give each row its own number."
    ]
    assignment.refresh_from_db()
    assert assignment.title_fr == "Les coupures d'Internet"
    assert assignment.questions.count() == 1


def test_a_new_question_row_is_numbered_after_the_last_one_and_ignored_when_left_empty(client, organiser, assignment):
    question = QuestionFactory(assignment=assignment, position=4)
    client.force_login(organiser)

    page = client.get(url(assignment.edition))
    response = client.post(url(assignment.edition), {
        **assignment_form(assignment), **management("questions", 2, 1), **question_row(0, question),
        **question_row(1, position="5"),
    })  # fmt: skip

    assert page.context["formset"].forms[1]["position"].value() == 5
    assert response.status_code == 302
    assert assignment.questions.count() == 1


def test_organisers_delete_a_question(client, organiser, assignment):
    question = QuestionFactory(assignment=assignment, position=1)
    client.force_login(organiser)

    client.post(url(assignment.edition), {
        **assignment_form(assignment), **management("questions", 1, 1), **question_row(0, question, DELETE="on"),
    })  # fmt: skip

    assert not Question.objects.filter(pk=question.pk).exists()


def test_a_question_of_another_assignment_cannot_be_changed_through_this_one(client, organiser, assignment):
    elsewhere = QuestionFactory(text_fr="Ailleurs")
    client.force_login(organiser)

    client.post(url(assignment.edition), {
        **assignment_form(assignment), **management("questions", 1, 1),
        **question_row(0, elsewhere, text_fr="Piraté"),
    })  # fmt: skip

    elsewhere.refresh_from_db()
    assert elsewhere.text_fr == "Ailleurs"


# --- the document's structure -------------------------------------------------------------------------------------


def test_short_title_keeps_the_first_sentence_and_cuts_at_a_word():
    title = services.short_title(SEED_QUESTION)

    assert title == "Quelle est la légalité et la légitimité de ces coupures d'Internet au vu des…"
    assert len(title) <= services.assignment.SHORT_TITLE_LENGTH
    assert services.short_title("  Faut-il agir ?  Si oui, comment ?") == "Faut-il agir ?"
    assert services.short_title("") == ""


def test_the_default_structure_is_an_introduction_one_part_per_question_and_a_conclusion(client, organiser, assignment):
    first = QuestionFactory(assignment=assignment, position=1, text_fr=SEED_QUESTION, text_en="Is it legal?")
    second = QuestionFactory(assignment=assignment, position=2, text_fr="Quels sont les enjeux ?", text_en="")
    client.force_login(organiser)

    response = client.post(url(assignment.edition, "settings_structure"), {"create_default": ""})

    assert response.status_code == 302
    parts = list(
        SectionTemplate.objects.filter(assignment=assignment).values_list(
            "position", "kind", "question", "title_fr", "title_en", "required"
        )
    )
    assert parts == [
        (1, "introduction", None, "Introduction", "Introduction", True),
        (2, "question", first.pk, services.short_title(SEED_QUESTION), "Is it legal?", True),
        (3, "question", second.pk, "Quels sont les enjeux ?", "", True),
        (4, "conclusion", None, "Conclusion", "Conclusion", True),
    ]


def test_the_default_structure_is_created_once(client, organiser, assignment):
    QuestionFactory(assignment=assignment, position=1)
    client.force_login(organiser)

    client.post(url(assignment.edition, "settings_structure"), {"create_default": ""})
    again = client.post(url(assignment.edition, "settings_structure"), {"create_default": ""}, follow=True)

    assert SectionTemplate.objects.filter(assignment=assignment).count() == 3
    assert services.create_default_structure(assignment, by=organiser) == []
    assert 'data-testid="create-default-structure"' not in again.content.decode()


def test_the_default_structure_is_offered_while_there_is_none(client, organiser, assignment):
    client.force_login(organiser)

    page = client.get(url(assignment.edition, "settings_structure")).content.decode()

    assert 'data-testid="create-default-structure"' in page


def test_organisers_set_a_word_limit_and_make_a_part_optional(client, organiser, assignment):
    question = QuestionFactory(assignment=assignment, position=1)
    part = SectionTemplateFactory(assignment=assignment, position=1, kind="question", question=question)
    client.force_login(organiser)
    row = part_row(0, part, word_limit="800", title_fr="Légalité")
    del row["parts-0-required"]

    response = client.post(url(assignment.edition, "settings_structure"), {**management("parts", 1, 1), **row})

    assert response.status_code == 302
    part.refresh_from_db()
    assert (part.word_limit, part.required, part.title_fr, part.question) == (800, False, "Légalité", question)


def test_a_part_is_linked_only_to_a_question_of_this_assignment(client, organiser, assignment):
    elsewhere = QuestionFactory()
    client.force_login(organiser)

    response = client.post(url(assignment.edition, "settings_structure"), {
        **management("parts", 1, 0),
        **part_row(0, position="1", kind="question", question=elsewhere.pk, title_fr="Partie"),
    })  # fmt: skip

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["question"]
    assert not SectionTemplate.objects.exists()


def test_a_part_with_a_groups_text_is_not_deleted(english, organiser, assignment):
    part = SectionTemplateFactory(assignment=assignment, position=1, title_fr="Introduction")
    Section.objects.create(group=GroupFactory(edition=assignment.edition), template=part, html="<p>x</p>", version=1)
    english.force_login(organiser)

    response = english.post(url(assignment.edition, "settings_structure"), {
        **management("parts", 1, 1), **part_row(0, part, DELETE="on"),
    })  # fmt: skip

    assert response.status_code == 200
    assert "Introduction: groups have already written in this part" in response.content.decode()
    assert SectionTemplate.objects.filter(pk=part.pk).exists()


# --- deadlines and deliverables -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "deadline_utc"),
    [
        ("Africa/Bamako", dt.datetime(2023, 9, 15, 23, 59, tzinfo=UTC)),
        ("Africa/Lagos", dt.datetime(2023, 9, 15, 22, 59, tzinfo=UTC)),
        ("Europe/Paris", dt.datetime(2023, 9, 15, 21, 59, tzinfo=UTC)),
    ],
)
def test_the_deadline_is_read_in_the_time_zone_chosen(client, organiser, assignment, zone, deadline_utc):
    client.force_login(organiser)

    response = client.post(url(assignment.edition, "settings_deadlines"), deadlines_form(time_zone=zone))

    assert response.status_code == 302
    saved = AssignmentSettings.objects.get(assignment=assignment)
    assert (saved.time_zone, saved.deadline) == (zone, deadline_utc)
    assert saved.opens_at == deadline_utc - dt.timedelta(days=7, hours=15, minutes=59)


def test_changing_the_time_zone_reads_the_posted_times_in_the_new_one(client, organiser, settings_row):
    client.force_login(organiser)

    client.post(url(settings_row.assignment.edition, "settings_deadlines"), deadlines_form(time_zone="Africa/Lagos"))

    settings_row.refresh_from_db()
    assert settings_row.deadline == dt.datetime(2023, 9, 15, 22, 59, tzinfo=UTC)


def test_the_form_shows_the_times_in_the_assignments_time_zone(client, organiser, settings_row):
    settings_row.time_zone = "Africa/Lagos"
    settings_row.save()
    client.force_login(organiser)

    page = client.get(url(settings_row.assignment.edition, "settings_deadlines")).content.decode()

    assert 'value="2023-09-16T00:59"' in page


def test_organisers_save_the_deliverables_and_the_statement_to_accept(client, organiser, assignment):
    client.force_login(organiser)
    data = deadlines_form(presentation_required=None, attachments_allowed=None, members_confirm="on")

    client.post(url(assignment.edition, "settings_deadlines"), data)

    saved = AssignmentSettings.objects.get(assignment=assignment)
    assert (saved.presentation_required, saved.attachments_allowed, saved.members_confirm) == (False, False, True)
    assert saved.declaration_fr == "Nous déclarons que ce document est notre propre travail."


def test_a_cutoff_before_the_deadline_is_refused_next_to_it(english, organiser, settings_row):
    english.force_login(organiser)

    response = english.post(
        url(settings_row.assignment.edition, "settings_deadlines"),
        deadlines_form(deadline="2023-09-20T23:59", late_cutoff="2023-09-15T12:00"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"late_cutoff": ["The cut-off must be after the deadline."]}
    settings_row.refresh_from_db()
    assert settings_row.deadline == dt.datetime(2023, 9, 15, 23, 59, tzinfo=UTC)


def test_late_submissions_allowed_need_a_cutoff(english, organiser, assignment):
    english.force_login(organiser)

    response = english.post(url(assignment.edition, "settings_deadlines"), deadlines_form(late_cutoff=""))

    assert response.context["form"].errors == {"late_cutoff": ["With late submissions allowed, give the cut-off."]}
    assert not AssignmentSettings.objects.exists()


def test_a_hard_stop_ignores_the_cutoff(client, organiser, settings_row):
    client.force_login(organiser)

    response = client.post(
        url(settings_row.assignment.edition, "settings_deadlines"),
        deadlines_form(late_policy="hard", late_cutoff="2023-09-01T00:00"),
    )

    assert response.status_code == 302
    settings_row.refresh_from_db()
    assert (settings_row.late_policy, settings_row.late_cutoff) == ("hard", None)


def test_a_time_zone_outside_the_list_is_refused(client, organiser, assignment):
    client.force_login(organiser)

    response = client.post(url(assignment.edition, "settings_deadlines"), deadlines_form(time_zone="Mars/Olympus"))

    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert not AssignmentSettings.objects.exists()


def test_the_time_zones_offered_start_with_africa_and_keep_the_current_one(client, organiser, settings_row):
    settings_row.time_zone = "Asia/Tokyo"
    settings_row.save()
    client.force_login(organiser)

    field = client.get(url(settings_row.assignment.edition, "settings_deadlines")).context["form"].fields["time_zone"]

    offered = [name for _group, zones in field.choices for name, _label in zones]
    assert offered[:3] == ["Africa/Bamako", "Africa/Dakar", "Africa/Abidjan"]
    assert {"UTC", "Europe/Paris", "America/Montreal", "Asia/Tokyo"} <= set(offered)
    assert all(services.zone_of(name).key == name for name in offered)


# --- extensions ---------------------------------------------------------------------------------------------------


def extension_form(scope, **values) -> dict:
    return {"scope": scope, "deadline": "2023-09-18T23:59", "reason": "Coupure d'Internet déclarée", **values}


def test_organisers_extend_the_deadline_of_one_group(client, organiser, settings_row):
    edition = settings_row.assignment.edition
    group, other_group = GroupFactory(edition=edition), GroupFactory(edition=edition)
    client.force_login(organiser)

    response = client.post(url(edition, "settings_extensions"), extension_form(group.pk))

    assert response.status_code == 302
    extension = Extension.objects.get()
    assert (extension.group, extension.granted_by, extension.reason) == (
        group,
        organiser,
        "Coupure d'Internet déclarée",
    )
    assert extension.deadline == dt.datetime(2023, 9, 18, 23, 59, tzinfo=UTC)
    assert window_for(group, settings_row).deadline == extension.deadline
    assert window_for(other_group, settings_row).deadline == settings_row.deadline


def test_organisers_extend_the_deadline_of_the_whole_edition_in_its_time_zone(client, organiser, settings_row):
    settings_row.time_zone = "Africa/Lagos"
    settings_row.save()
    edition = settings_row.assignment.edition
    group = GroupFactory(edition=edition)
    client.force_login(organiser)

    client.post(url(edition, "settings_extensions"), extension_form("edition"))

    extension = Extension.objects.get()
    assert extension.group is None
    assert extension.deadline == dt.datetime(2023, 9, 18, 22, 59, tzinfo=UTC)
    assert window_for(group, settings_row).deadline == extension.deadline


def test_an_extension_before_the_current_deadline_is_refused(english, organiser, settings_row):
    edition = settings_row.assignment.edition
    english.force_login(organiser)

    response = english.post(url(edition, "settings_extensions"), extension_form("edition", deadline="2023-09-15T20:00"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "deadline": ["The new deadline must be after the current one: 15 September 2023, 23:59 (Africa/Bamako)."]
    }
    assert not Extension.objects.exists()


def test_a_groups_new_extension_must_follow_its_current_extended_deadline(client, organiser, settings_row):
    edition = settings_row.assignment.edition
    group = GroupFactory(edition=edition)
    Extension.objects.create(
        assignment=settings_row.assignment, group=None, deadline=dt.datetime(2023, 9, 20, tzinfo=UTC), reason="x"
    )
    client.force_login(organiser)

    response = client.post(url(edition, "settings_extensions"), extension_form(group.pk))

    assert response.context["form"].errors["deadline"]
    assert Extension.objects.count() == 1


def test_a_group_of_another_edition_is_refused(client, organiser, settings_row, other_edition):
    stranger = GroupFactory(edition=other_edition)
    client.force_login(organiser)

    response = client.post(url(settings_row.assignment.edition, "settings_extensions"), extension_form(stranger.pk))

    assert response.status_code == 200
    assert response.context["form"].errors["scope"]
    assert not Extension.objects.exists()


def test_the_service_refuses_a_group_of_another_edition(organiser, settings_row, other_edition):
    stranger = GroupFactory(edition=other_edition)

    with pytest.raises(services.assignment.ValidationError):
        services.grant_extension(
            settings_row.assignment, group=stranger, deadline=dt.datetime(2030, 1, 1, tzinfo=UTC), reason="x",
            by=organiser,
        )  # fmt: skip

    assert not Extension.objects.exists()


def test_an_extension_needs_a_reason(client, organiser, settings_row):
    client.force_login(organiser)

    response = client.post(
        url(settings_row.assignment.edition, "settings_extensions"), extension_form("edition", reason="")
    )

    assert response.context["form"].errors["reason"]
    assert not Extension.objects.exists()


def test_without_a_deadline_the_extensions_page_asks_for_one(client, organiser, assignment):
    client.force_login(organiser)

    page = client.get(url(assignment.edition, "settings_extensions")).content.decode()

    assert 'data-testid="no-deadline"' in page


def test_the_extensions_say_who_granted_them_when_and_why(client, organiser, settings_row):
    group = GroupFactory(edition=settings_row.assignment.edition, name="Secteur privé")
    Extension.objects.create(
        assignment=settings_row.assignment, group=group, deadline=dt.datetime(2023, 9, 17, 10, tzinfo=UTC),
        reason="Délestage à Kayes", granted_by=organiser, granted_at=dt.datetime(2023, 9, 14, 9, tzinfo=UTC),
    )  # fmt: skip
    client.force_login(organiser)

    page = client.get(url(settings_row.assignment.edition, "settings_extensions")).content.decode()

    assert "Secteur privé" in page
    assert "Délestage à Kayes" in page
    assert "17 septembre 2023, 10:00" in page
    assert "14 septembre 2023, 09:00" in page
    assert organiser.email in page or organiser.get_full_name() in page


# --- what everyone in the edition sees ----------------------------------------------------------------------------


def test_the_assignment_page_shows_the_deadline_in_its_time_zone(english, participant, settings_row):
    english.force_login(participant)

    page = english.get(reverse("submissions:assignment_detail", args=[settings_row.assignment.edition.slug]))

    content = page.content.decode()
    assert "Deadline: 15 September 2023, 23:59 (Africa/Bamako)" in content
    assert "Late submissions are accepted until 16 September 2023, 12:00 (Africa/Bamako) and marked late." in content


def test_the_assignment_page_shows_the_deadline_in_french_by_default(client, participant, settings_row):
    settings_row.time_zone = "Africa/Lagos"
    settings_row.save()
    client.force_login(participant)

    content = client.get(reverse("submissions:assignment_detail", args=[settings_row.assignment.edition.slug]))

    assert "16 septembre 2023, 00:59 (Africa/Lagos)" in content.content.decode()


def test_the_assignment_page_shows_an_extension_for_the_whole_edition(english, participant, settings_row):
    Extension.objects.create(
        assignment=settings_row.assignment, deadline=dt.datetime(2023, 9, 18, 23, 59, tzinfo=UTC), reason="x"
    )
    english.force_login(participant)

    content = english.get(reverse("submissions:assignment_detail", args=[settings_row.assignment.edition.slug]))

    assert "Deadline: 18 September 2023, 23:59 (Africa/Bamako)" in content.content.decode()
    assert "extended for the whole edition" in content.content.decode()


def test_the_assignment_page_lists_the_deliverables_the_parts_and_the_statement(english, participant, settings_row):
    settings_row.presentation_required = False
    settings_row.save()
    SectionTemplateFactory(assignment=settings_row.assignment, position=1, title_en="Introduction", word_limit=500)
    english.force_login(participant)

    content = english.get(reverse("submissions:assignment_detail", args=[settings_row.assignment.edition.slug]))

    deliverables = content.content.decode()
    assert "Introduction" in deliverables
    assert "500 words at most" in deliverables
    assert "presentation" not in deliverables.split('data-testid="deliverables"')[1].split("</section>")[0]
    assert "Attachments, if you wish (optional)" in deliverables
    assert "We declare this document is our own work and agree to its publication." in deliverables


# --- query counts -------------------------------------------------------------------------------------------------


def _fill(assignment, count: int) -> None:
    start = assignment.questions.count()
    for offset in range(count):
        question = QuestionFactory(assignment=assignment, position=start + offset + 1)
        SectionTemplateFactory(assignment=assignment, position=start + offset + 1, question=question)
        group = GroupFactory(edition=assignment.edition)
        Extension.objects.create(
            assignment=assignment, group=group, deadline=dt.datetime(2023, 9, 20, tzinfo=UTC), reason="x"
        )


@pytest.mark.parametrize("page", PAGES)
def test_settings_pages_read_in_a_constant_number_of_queries(
    client, organiser, settings_row, page, django_assert_max_num_queries
):
    assignment = settings_row.assignment
    _fill(assignment, 1)
    client.force_login(organiser)

    with django_assert_max_num_queries(15) as few:
        client.get(url(assignment.edition, page))
    _fill(assignment, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url(assignment.edition, page))


def test_the_assignment_page_reads_in_a_constant_number_of_queries(
    client, participant, settings_row, django_assert_max_num_queries
):
    assignment = settings_row.assignment
    _fill(assignment, 1)
    client.force_login(participant)
    page = reverse("submissions:assignment_detail", args=[assignment.edition.slug])

    with django_assert_max_num_queries(12) as few:
        client.get(page)
    _fill(assignment, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(page)

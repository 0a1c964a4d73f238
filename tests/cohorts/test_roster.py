import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Attendance, AttendanceEvent, Enrolment, EnrolmentChange, Invitation, Profile
from cohorts.services.roster import fold
from malisig.models import User
from tests.factories import (
    EnrolmentFactory,
    GroupFactory,
    MembershipFactory,
    ProfileFactory,
    UserFactory,
)

S = Enrolment.Status
FORBIDDEN = ["participant", "juror", "jury_chair", "other_organiser", "outsider"]


def enrol(edition, first_name="Awa", last_name="Diarra", *, status=S.ADMITTED, email=None, profile=True, **values):
    """A person in the edition's roster, with a profile unless told otherwise."""
    user = UserFactory(first_name=first_name, last_name=last_name, **({"email": email} if email else {}))
    enrolment_fields = {key: values.pop(key) for key in ("eligible", "eligibility_reason", "grade") if key in values}
    if profile:
        ProfileFactory(user=user, **values)
    return EnrolmentFactory(edition=edition, user=user, status=status, **enrolment_fields)


def roster_url(edition, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("cohorts:roster", args=[edition.slug]) + (f"?{query}" if query else "")


def names_in(response) -> list[str]:
    return [enrolment.user.last_name for enrolment in response.context["page"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The list -----------------------------------------------------------------------------------------------------


def test_roster_lists_the_editions_people_with_their_details(english, client, organiser, edition, other_edition):
    enrol(
        edition,
        "Sékou",
        "Traoré",
        email="sekou@example.org",
        status=S.CANDIDATE,
        eligible=False,
        eligibility_reason="Note insuffisante",
        grade=Decimal("8.5"),
        organisation="Orange Mali",
        country="Mali",
        gender=Profile.Gender.MALE,
    )
    enrol(other_edition, "Awa", "Elsewhere")
    client.force_login(organiser)

    response = client.get(roster_url(edition))

    assert response.status_code == 200
    assert names_in(response) == ["Traoré"]
    row = response.context["page"][0]
    assert (row.person_organisation, row.person_country, row.gender_label) == ("Orange Mali", "Mali", "Man")
    content = response.content.decode()
    for text in ("sekou@example.org", "Note insuffisante", "8.50", "Orange Mali", "Man"):
        assert text in content


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Traore", ["Traoré"]),
        ("traoré", ["Traoré"]),
        ("keita", ["Kéïta"]),
        ("KÉÏTA", ["Kéïta"]),
        ("sekou traore", ["Traoré"]),
        ("traore sekou", ["Traoré"]),
        ("societe generale", ["Kéïta"]),
        ("@example.org", ["Kéïta", "Traoré"]),
        ("konɛ", ["Konɛ"]),
        ("kone", ["Konɛ"]),
        ("zzz", []),
    ],
)
def test_roster_search_ignores_accents_case_and_word_order(client, organiser, edition, query, found):
    enrol(edition, "Sékou", "Traoré", email="sekou@example.org", organisation="Orange Mali")
    enrol(edition, "Fanta", "Kéïta", email="fanta@example.org", organisation="Société Générale")
    enrol(edition, "Moussa", "Konɛ", email="moussa@elsewhere.ml", organisation="")
    client.force_login(organiser)

    response = client.get(roster_url(edition, q=query))

    assert names_in(response) == found


def test_roster_search_finds_names_stored_decomposed(client, organiser, edition):
    enrol(edition, "Fanta", "Ke\u0301i\u0308ta")
    client.force_login(organiser)

    response = client.get(roster_url(edition, q="Keïta"))

    assert names_in(response) == ["Ke\u0301i\u0308ta"]


@pytest.mark.parametrize(
    ("query", "found"), [("nguyen", ["Nguyễn"]), ("lodz", ["Łódź"]), ("김", ["김"]), ("ᄀ", ["김"])]
)
def test_roster_search_folds_every_latin_letter_and_other_scripts_alike(client, organiser, edition, query, found):
    enrol(edition, "Van", "Nguyễn")
    enrol(edition, "Ewa", "Łódź")
    enrol(edition, "Min", "김")
    client.force_login(organiser)

    response = client.get(roster_url(edition, q=query))

    assert names_in(response) == found


def test_roster_finds_and_sorts_people_by_the_names_they_changed_on_their_profile(client, organiser, edition):
    renamed = enrol(edition, "Awa", "Zerbo", organisation="Orange Mali")
    enrol(edition, "Ali", "Coulibaly")
    client.force_login(renamed.user)
    client.post(
        reverse("cohorts:my_profile"),
        {"first_name": "Awa", "last_name": "Ba", "preferred_language": "fr", "organisation": "Ecobank Côte d'Ivoire"},
    )
    client.force_login(organiser)

    by_name = client.get(roster_url(edition))
    by_new_name = client.get(roster_url(edition, q="ba awa"))
    by_new_organisation = client.get(roster_url(edition, q="cote d'ivoire"))

    assert names_in(by_name) == ["Ba", "Coulibaly"]
    assert names_in(by_new_name) == names_in(by_new_organisation) == ["Ba"]


def test_roster_search_treats_like_wildcards_as_text(client, organiser, edition):
    enrol(edition, "Awa", "Diarra", organisation="100% Mali")
    enrol(edition, "Ali", "Sow", organisation="100 Mali")
    client.force_login(organiser)

    response = client.get(roster_url(edition, q="100%"))

    assert names_in(response) == ["Diarra"]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"status": "candidate"}, ["Coulibaly"]),
        ({"eligible": "no"}, ["Coulibaly"]),
        ({"eligible": "yes"}, ["Diarra", "Keïta"]),
        ({"gender": "male"}, ["Keïta"]),
        ({"gender": "none"}, ["Coulibaly"]),
        ({"country": "Sénégal"}, ["Keïta"]),
        ({"organisation": "societe"}, ["Diarra"]),
        ({"status": "not-a-status"}, ["Coulibaly", "Diarra", "Keïta"]),
    ],
)
def test_roster_filters_narrow_the_list(client, organiser, edition, params, found):
    enrol(edition, "Awa", "Diarra", organisation="Société Générale", country="Mali")
    enrol(edition, "Ali", "Keïta", gender=Profile.Gender.MALE, country="Sénégal")
    enrol(edition, "Issa", "Coulibaly", status=S.CANDIDATE, eligible=False, profile=False)
    client.force_login(organiser)

    response = client.get(roster_url(edition, **params))

    assert names_in(response) == found


def test_roster_shows_and_filters_by_group(client, organiser, edition, other_edition):
    grouped = enrol(edition, "Awa", "Diarra")
    enrol(edition, "Ali", "Keïta")
    group = GroupFactory(edition=edition, name="Gouvernement")
    MembershipFactory(group=group, user=grouped.user)
    # The same person in a group of another edition must not show here.
    MembershipFactory(group=GroupFactory(edition=other_edition, name="Ailleurs"), user=grouped.user)
    client.force_login(organiser)

    everyone = client.get(roster_url(edition))
    in_group = client.get(roster_url(edition, group=group.pk))
    without = client.get(roster_url(edition, group="none"))

    assert [(row.user.last_name, row.group_name) for row in everyone.context["page"]] == [
        ("Diarra", "Gouvernement"),
        ("Keïta", None),
    ]
    assert names_in(in_group) == ["Diarra"]
    assert names_in(without) == ["Keïta"]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("name", ["Diarra", "Élise", "Zerbo"]),
        ("-name", ["Zerbo", "Élise", "Diarra"]),
        ("-grade", ["Élise", "Zerbo", "Diarra"]),
        ("grade", ["Zerbo", "Élise", "Diarra"]),
        ("status", ["Zerbo", "Diarra", "Élise"]),
        ("-attendance", ["Zerbo", "Diarra", "Élise"]),
        ("user__password", ["Diarra", "Élise", "Zerbo"]),
    ],
)
def test_roster_sorts_by_whitelisted_keys_only(client, organiser, edition, sort, order):
    diarra = enrol(edition, "Awa", "Diarra", status=S.ADMITTED)
    enrol(edition, "Léa", "Élise", status=S.WITHDRAWN, grade=Decimal("18"))
    zerbo = enrol(edition, "Ali", "Zerbo", status=S.CANDIDATE, grade=Decimal("12"))
    session = AttendanceEvent.objects.create(edition=edition, title="Jour 1", date=timezone.localdate())
    second = AttendanceEvent.objects.create(edition=edition, title="Jour 2", date=timezone.localdate())
    Attendance.objects.create(event=session, enrolment=zerbo)
    Attendance.objects.create(event=second, enrolment=zerbo)
    Attendance.objects.create(event=session, enrolment=diarra)
    client.force_login(organiser)

    response = client.get(roster_url(edition, sort=sort))

    assert names_in(response) == order


def test_roster_attendance_rate_counts_present_marks_over_sessions_held(client, organiser, edition):
    regular = enrol(edition, "Awa", "Diarra")
    enrol(edition, "Ali", "Keïta")
    today = timezone.localdate()
    held = [AttendanceEvent.objects.create(edition=edition, title=f"Jour {n}", date=today) for n in (1, 2, 3)]
    upcoming = AttendanceEvent.objects.create(edition=edition, title="Demain", date=today + dt.timedelta(days=1))
    Attendance.objects.create(event=held[0], enrolment=regular)
    Attendance.objects.create(event=held[1], enrolment=regular)
    Attendance.objects.create(event=held[2], enrolment=regular, present=False)
    Attendance.objects.create(event=upcoming, enrolment=regular)
    client.force_login(organiser)

    response = client.get(roster_url(edition))

    assert [(row.user.last_name, row.attendance_rate) for row in response.context["page"]] == [
        ("Diarra", 67),
        ("Keïta", 0),
    ]
    assert "67 %" in response.content.decode()


def test_roster_attendance_shows_a_dash_before_any_session(client, organiser, edition):
    enrol(edition)
    AttendanceEvent.objects.create(edition=edition, title="Plus tard", date=timezone.localdate() + dt.timedelta(3))
    client.force_login(organiser)

    response = client.get(roster_url(edition))

    assert response.context["page"][0].attendance_rate is None
    assert response.context["held_sessions"] == 0


def test_roster_shows_fifty_people_per_page(client, organiser, edition):
    for n in range(51):
        enrol(edition, "Awa", f"Diarra {n:02d}", profile=False)
    client.force_login(organiser)

    first = client.get(roster_url(edition))
    second = client.get(roster_url(edition, page=2))

    assert len(first.context["page"]) == 50
    assert names_in(second) == ["Diarra 50"]


def _crowd(edition, count: int, start: int = 0) -> None:
    group = GroupFactory(edition=edition, name=f"Groupe {start}")
    session = AttendanceEvent.objects.filter(edition=edition).first() or AttendanceEvent.objects.create(
        edition=edition, title="Jour 1", date=timezone.localdate()
    )
    for n in range(start, start + count):
        enrolment = enrol(edition, "Awa", f"Diarra {n:02d}", country=f"Pays {n}")
        MembershipFactory(group=group, user=enrolment.user)
        Attendance.objects.create(event=session, enrolment=enrolment)


def test_roster_reads_in_a_constant_number_of_queries(client, organiser, edition, django_assert_max_num_queries):
    _crowd(edition, 1)
    client.force_login(organiser)
    with django_assert_max_num_queries(12) as few:
        client.get(roster_url(edition, sort="-attendance"))
    _crowd(edition, 29, start=1)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(roster_url(edition, sort="-attendance"))

    assert len(response.context["page"]) == 30


# --- Who may see it -----------------------------------------------------------------------------------------------


ORGANISER_PAGES = ["cohorts:roster", "cohorts:roster_export", "cohorts:participant_add"]


@pytest.mark.parametrize("persona", FORBIDDEN)
@pytest.mark.parametrize("page", ORGANISER_PAGES)
def test_roster_pages_are_forbidden_to_everyone_but_organisers(client, edition, persona, page, request):
    enrol(edition)
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse(page, args=[edition.slug]) + "?format=csv")

    assert response.status_code == 403


@pytest.mark.parametrize("page", [*ORGANISER_PAGES, "cohorts:roster_action"])
def test_roster_pages_send_anonymous_visitors_to_log_in(client, edition, page):
    response = (client.post if page == "cohorts:roster_action" else client.get)(reverse(page, args=[edition.slug]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_site_staff_see_any_roster(client, staff, edition):
    enrol(edition)
    client.force_login(staff)

    response = client.get(roster_url(edition))

    assert names_in(response) == ["Diarra"]


def test_roster_of_an_unknown_edition_is_not_found(client, organiser):
    client.force_login(organiser)

    response = client.get(reverse("cohorts:roster", args=["no-such-edition"]))

    assert response.status_code == 404


# --- Bulk actions -------------------------------------------------------------------------------------------------


def act(client, edition, action, selected=(), reason="", query=""):
    return client.post(
        reverse("cohorts:roster_action", args=[edition.slug]) + query,
        {"action": action, "selected": [str(pk) for pk in selected], "reason": reason},
    )


def test_inviting_the_selected_people_sends_their_links(
    english, client, organiser, edition, django_capture_on_commit_callbacks
):
    admitted = enrol(edition, "Awa", "Diarra", email="awa@example.org", status=S.ADMITTED)
    candidate = enrol(edition, "Ali", "Keïta", status=S.CANDIDATE)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, edition, "invite", [admitted.pk, candidate.pk], query="?status=admitted")

    assert response.status_code == 302
    assert response.url == roster_url(edition, status="admitted")
    assert [message.to for message in mail.outbox] == [["awa@example.org"]]
    assert Invitation.objects.get().email == "awa@example.org"
    assert dict(Enrolment.objects.values_list("pk", "status")) == {admitted.pk: S.INVITED, candidate.pk: S.CANDIDATE}
    assert messages_of(response) == [
        "1 invitation is being sent.",
        "1 person was skipped: only admitted or invited people can be invited.",
    ]


def test_inviting_everyone_admitted_skips_the_others(client, organiser, edition, django_capture_on_commit_callbacks):
    first = enrol(edition, "Awa", "Diarra", status=S.ADMITTED)
    second = enrol(edition, "Ali", "Keïta", status=S.ADMITTED)
    active = enrol(edition, "Issa", "Sow", status=S.ACTIVE)
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        act(client, edition, "invite_admitted")

    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert statuses == {first.pk: S.INVITED, second.pk: S.INVITED, active.pk: S.ACTIVE}
    assert len(mail.outbox) == 2


def test_admitting_by_hand_logs_the_reason_and_ignores_other_editions(client, organiser, edition, other_edition):
    candidate = enrol(edition, "Awa", "Diarra", status=S.CANDIDATE, eligible=False)
    elsewhere = enrol(other_edition, "Ali", "Keïta", status=S.CANDIDATE)
    client.force_login(organiser)

    response = act(client, edition, "admit", [candidate.pk, elsewhere.pk], reason="Certificat présenté")

    assert response.status_code == 302
    assert dict(Enrolment.objects.values_list("pk", "status")) == {candidate.pk: S.ADMITTED, elsewhere.pk: S.CANDIDATE}
    change = EnrolmentChange.objects.get()
    assert (change.enrolment, change.old, change.new, change.by, change.note) == (
        candidate,
        S.CANDIDATE,
        S.ADMITTED,
        organiser,
        "Certificat présenté",
    )


def test_admitting_by_hand_without_a_reason_changes_nothing(english, client, organiser, edition):
    candidate = enrol(edition, status=S.CANDIDATE)
    client.force_login(organiser)

    response = act(client, edition, "admit", [candidate.pk], reason="  ")

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == S.CANDIDATE
    assert not EnrolmentChange.objects.exists()
    assert messages_of(response) == ["Say why you admit these people by hand: it is kept in their history."]


def test_withdrawing_reports_those_whose_status_does_not_allow_it(english, client, organiser, edition):
    active = enrol(edition, "Awa", "Diarra", status=S.ACTIVE)
    gone = enrol(edition, "Ali", "Keïta", status=S.WITHDRAWN)
    client.force_login(organiser)

    response = act(client, edition, "withdraw", [active.pk, gone.pk], reason="Ne vient plus")

    assert dict(Enrolment.objects.values_list("pk", "status")) == {active.pk: S.WITHDRAWN, gone.pk: S.WITHDRAWN}
    assert list(EnrolmentChange.objects.values_list("enrolment", "new", "note")) == [
        (active.pk, S.WITHDRAWN, "Ne vient plus")
    ]
    assert messages_of(response) == [
        "Withdrawn: Awa Diarra.",
        "Not changed, as their status does not allow it: Ali Keïta.",
    ]


def test_a_bulk_action_without_anyone_ticked_says_so(english, client, organiser, edition):
    enrol(edition, status=S.ACTIVE)
    client.force_login(organiser)

    response = act(client, edition, "withdraw", [])

    assert messages_of(response) == ["Tick at least one person first."]
    assert not EnrolmentChange.objects.exists()


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser"])
def test_bulk_actions_are_forbidden_to_everyone_but_organisers(client, edition, persona, request):
    enrolment = enrol(edition, status=S.ACTIVE)
    client.force_login(request.getfixturevalue(persona))

    response = act(client, edition, "withdraw", [enrolment.pk])

    assert response.status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.status == S.ACTIVE


# --- Exports ------------------------------------------------------------------------------------------------------


def export(client, edition, file_format, **params):
    return client.get(reverse("cohorts:roster_export", args=[edition.slug]), {"format": file_format, **params})


def _exported_people(edition):
    formula = enrol(
        edition,
        '=HYPERLINK("http://evil.example","x")',
        "Kéïta",
        email="fanta@example.org",
        grade=Decimal("15.250"),
        organisation="Société Générale",
        country="Mali",
    )
    formula.completion_date = dt.date(2023, 3, 5)
    formula.completed_course = True
    formula.save()
    enrol(edition, "Ali", "Zerbo", status=S.CANDIDATE, eligible=False, eligibility_reason="Non achevé", profile=False)


def test_csv_export_gives_the_filtered_roster_for_french_excel(english, client, organiser, edition):
    _exported_people(edition)
    client.force_login(organiser)

    response = export(client, edition, "csv", status="admitted")

    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:7] == [
        "Last name",
        "First name",
        "Email address",
        "Status",
        "Eligible",
        "Why not eligible",
        "Final grade",
    ]
    assert rows[1] == [
        "Kéïta",
        '\'=HYPERLINK("http://evil.example","x")',
        "fanta@example.org",
        "Admitted",
        "yes",
        "",
        "15,25",
        "yes",
        "05/03/2023",
        "Woman",
        "Mali",
        "",
        "Société Générale",
        "",
        "",
        "",
        "",
        "",
        timezone.localtime(Enrolment.objects.get(user__last_name="Kéïta").created_at).strftime("%d/%m/%Y %H:%M"),
    ]
    assert len(rows) == 2
    assert response["Content-Disposition"].startswith(f'attachment; filename="{edition.slug}-participants-')


def test_xlsx_export_reads_back_with_accents_and_neutralised_formulas(english, client, organiser, edition):
    _exported_people(edition)
    client.force_login(organiser)

    response = export(client, edition, "xlsx", sort="-name")

    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[1][:2] + rows[1][4:6] == ("Zerbo", "Ali", False, "Non achevé")
    assert rows[2][:9] == (
        "Kéïta",
        '\'=HYPERLINK("http://evil.example","x")',
        "fanta@example.org",
        "Admitted",
        True,
        None,
        15.25,
        True,
        dt.datetime(2023, 3, 5),
    )


def test_an_unknown_export_format_is_not_found(client, organiser, edition):
    client.force_login(organiser)

    response = export(client, edition, "pdf")

    assert response.status_code == 404


# --- Adding someone by hand ---------------------------------------------------------------------------------------


def test_adding_a_participant_by_hand_admits_them_and_opens_their_page(client, organiser, edition):
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:participant_add", args=[edition.slug]),
        {"email": "Awa.Keita@Example.org", "first_name": "Awa", "last_name": "Kéïta", "country": "Mali"},
    )

    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("cohorts:participant_profile", args=[edition.slug, enrolment.pk])
    assert (enrolment.user.email, enrolment.status, enrolment.edition) == ("awa.keita@example.org", S.ADMITTED, edition)
    assert enrolment.user.profile.country == "Mali"
    assert list(enrolment.changes.values_list("old", "new", "by")) == [(S.CANDIDATE, S.ADMITTED, organiser.pk)]


def test_adding_someone_already_in_the_roster_changes_nothing(english, client, organiser, edition):
    existing = enrol(edition, "Awa", "Diarra", email="awa@example.org", status=S.WITHDRAWN)
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:participant_add", args=[edition.slug]),
        {"email": "awa@example.org", "first_name": "Awa", "last_name": "Diarra"},
    )

    existing.refresh_from_db()
    assert existing.status == S.WITHDRAWN
    assert Enrolment.objects.count() == 1
    assert messages_of(response) == ["Awa Diarra was already in the roster: nothing changed."]


def test_adding_a_participant_with_a_bad_email_shows_the_form_again(client, organiser, edition):
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:participant_add", args=[edition.slug]),
        {"email": "not-an-email", "first_name": "Awa", "last_name": "Diarra"},
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(first_name="Awa").exists()


@pytest.mark.parametrize(
    "text", ["Kéïta", "KÉÏTA", "Traoré", "Ke\u0301i\u0308ta", "Konɛ", "Ørsted", "Çà", "Nguyễn", "ŁÓDŹ", "Ǹdiaye", "김"]
)
def test_names_are_stored_folded_like_python(edition, text):
    enrol(edition, "Awa", text, organisation=text)

    user = User.objects.get(last_name=text)
    assert (user.folded_last_name, user.profile.folded_organisation) == (fold(text), fold(text))

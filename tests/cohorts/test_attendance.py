import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cohorts import services
from cohorts.models import Attendance, AttendanceEvent, Enrolment
from tests.factories import EnrolmentFactory, MasterclassFactory, UserFactory

S = Enrolment.Status
FORBIDDEN = ["participant", "juror", "jury_chair", "other_organiser", "outsider"]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def person(edition, last_name, status=S.ACTIVE):
    return EnrolmentFactory(edition=edition, status=status, user=UserFactory(first_name="Awa", last_name=last_name))


@pytest.fixture
def session(edition):
    return AttendanceEvent.objects.create(edition=edition, title="Atelier, jour 1", date=dt.date(2023, 6, 12))


def checklist_url(session) -> str:
    return reverse("cohorts:attendance_take", args=[session.edition.slug, session.pk])


def marks(session) -> dict[int, bool]:
    return dict(Attendance.objects.filter(event=session).values_list("enrolment_id", "present"))


# --- Sessions -----------------------------------------------------------------------------------------------------


def test_sessions_page_lists_sessions_with_their_counts(client, organiser, edition, session):
    present, absent = person(edition, "Diarra"), person(edition, "Keïta")
    Attendance.objects.create(event=session, enrolment=present)
    Attendance.objects.create(event=session, enrolment=absent, present=False)
    AttendanceEvent.objects.create(edition=edition, title="Atelier, jour 2", date=dt.date(2023, 6, 13))
    client.force_login(organiser)

    response = client.get(reverse("cohorts:attendance_list", args=[edition.slug]))

    assert response.status_code == 200
    assert [(s.title, s.present, s.marked) for s in response.context["sessions"]] == [
        ("Atelier, jour 1", 1, 2),
        ("Atelier, jour 2", 0, 0),
    ]
    assert response.context["expected"] == 2


def test_organiser_creates_a_workshop_day_and_lands_on_its_checklist(client, organiser, edition):
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:attendance_list", args=[edition.slug]), {"title": "Atelier, jour 1", "date": "2023-06-12"}
    )

    session = AttendanceEvent.objects.get()
    assert (session.edition, session.title, session.date, session.masterclass) == (
        edition,
        "Atelier, jour 1",
        dt.date(2023, 6, 12),
        None,
    )
    assert response.url == checklist_url(session)


def test_a_session_without_a_date_is_refused(client, organiser, edition):
    client.force_login(organiser)

    response = client.post(reverse("cohorts:attendance_list", args=[edition.slug]), {"title": "Atelier", "date": ""})

    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert not AttendanceEvent.objects.exists()


def test_each_masterclass_gets_its_session_in_one_click(english, client, organiser, edition, other_edition):
    first = MasterclassFactory(
        edition=edition, title_fr="Gouvernance", starts_at=timezone.make_aware(dt.datetime(2023, 6, 14, 10))
    )
    second = MasterclassFactory(edition=edition, title_fr="Cybersécurité")
    MasterclassFactory(edition=other_edition)
    client.force_login(organiser)
    url = reverse("cohorts:attendance_from_masterclasses", args=[edition.slug])

    created = client.post(url, {"masterclass": "all"})
    again = client.post(url, {"masterclass": "all"})

    sessions = AttendanceEvent.objects.order_by("title")
    assert [(s.edition, s.masterclass, s.title) for s in sessions] == [
        (edition, second, "Cybersécurité"),
        (edition, first, "Gouvernance"),
    ]
    assert sessions.get(masterclass=first).date == dt.date(2023, 6, 14)
    assert messages_of(created) == ["2 sessions created."]
    # Not displayed in between (no redirect followed), so the first message is still there.
    assert messages_of(again) == ["2 sessions created.", "Every masterclass already has its session."]


def test_one_masterclass_gets_its_session(client, organiser, edition, other_edition):
    chosen = MasterclassFactory(edition=edition)
    MasterclassFactory(edition=edition)
    elsewhere = MasterclassFactory(edition=other_edition)
    client.force_login(organiser)
    url = reverse("cohorts:attendance_from_masterclasses", args=[edition.slug])

    client.post(url, {"masterclass": chosen.pk})
    client.post(url, {"masterclass": elsewhere.pk})

    assert list(AttendanceEvent.objects.values_list("masterclass", flat=True)) == [chosen.pk]


# --- The checklist ------------------------------------------------------------------------------------------------


def test_checklist_lists_expected_people_ticked_from_saved_marks(client, organiser, edition, session):
    expected = {status: person(edition, status.value, status=status) for status in S}
    Attendance.objects.create(event=session, enrolment=expected[S.ACTIVE])
    Attendance.objects.create(event=session, enrolment=expected[S.INVITED], present=False)
    client.force_login(organiser)

    response = client.get(checklist_url(session))

    assert response.status_code == 200
    rows = [(enrolment.status, mark, ticked) for enrolment, mark, ticked in response.context["rows"]]
    assert sorted(rows) == sorted(
        [(S.ADMITTED, None, False), (S.INVITED, False, False), (S.ACTIVE, True, True), (S.COMPLETED, None, False)]
    )
    assert response.content.decode().count(" checked") == 1


@pytest.mark.parametrize(("tick", "ticked"), [("all", [True, True]), ("none", [False, False])])
def test_tick_all_and_untick_all_work_without_javascript(client, organiser, edition, session, tick, ticked):
    first = person(edition, "Diarra")
    person(edition, "Keïta")
    Attendance.objects.create(event=session, enrolment=first)
    client.force_login(organiser)

    response = client.get(checklist_url(session), {"tick": tick})

    assert [row[2] for row in response.context["rows"]] == ticked
    assert marks(session) == {first.pk: True}  # nothing saved until "Save"


def test_saving_the_checklist_marks_ticked_present_and_the_others_absent(english, client, organiser, edition, session):
    there, away = person(edition, "Diarra"), person(edition, "Keïta")
    client.force_login(organiser)

    response = client.post(checklist_url(session), {"present": [there.pk], "shown": [there.pk, away.pk]})

    assert response.url == checklist_url(session)
    assert marks(session) == {there.pk: True, away.pk: False}
    assert set(Attendance.objects.values_list("recorded_by", flat=True)) == {organiser.pk}
    assert messages_of(response) == ["Attendance saved: 1 present, 1 absent."]


def test_saving_again_changes_only_the_marks_that_changed(client, organiser, staff, edition, session):
    there, away = person(edition, "Diarra"), person(edition, "Keïta")
    services.record_attendance(session, [there.pk], by=organiser)
    client.force_login(staff)

    client.post(checklist_url(session), {"present": [there.pk, away.pk]})

    recorded = dict(Attendance.objects.values_list("enrolment_id", "recorded_by"))
    assert marks(session) == {there.pk: True, away.pk: True}
    assert recorded == {there.pk: organiser.pk, away.pk: staff.pk}


def test_ticks_outside_the_checklist_are_ignored(client, organiser, edition, other_edition, session):
    expected = person(edition, "Diarra")
    withdrawn = person(edition, "Keïta", status=S.WITHDRAWN)
    elsewhere = person(other_edition, "Sow")
    client.force_login(organiser)

    client.post(checklist_url(session), {"present": [expected.pk, withdrawn.pk, elsewhere.pk, "x"]})

    assert marks(session) == {expected.pk: True}


def test_checklist_of_another_editions_session_is_not_found(client, organiser, edition, other_edition):
    elsewhere = AttendanceEvent.objects.create(edition=other_edition, title="Ailleurs", date=dt.date(2023, 6, 12))
    client.force_login(organiser)

    page = client.get(reverse("cohorts:attendance_take", args=[edition.slug, elsewhere.pk]))
    save = client.post(reverse("cohorts:attendance_take", args=[edition.slug, elsewhere.pk]), {"present": []})

    assert (page.status_code, save.status_code) == (404, 404)
    assert not Attendance.objects.exists()


def test_an_empty_checklist_says_whom_to_admit_first(english, client, organiser, edition, session):
    person(edition, "Diarra", status=S.CANDIDATE)
    client.force_login(organiser)

    response = client.get(checklist_url(session))

    assert response.context["rows"] == []
    assert "Nobody is expected yet: admit participants first." in response.content.decode()


@pytest.mark.parametrize("persona", FORBIDDEN)
def test_attendance_is_forbidden_to_everyone_but_organisers(client, edition, session, persona, request):
    enrolment = person(edition, "Diarra")
    client.force_login(request.getfixturevalue(persona))

    pages = [
        client.get(reverse("cohorts:attendance_list", args=[edition.slug])),
        client.post(reverse("cohorts:attendance_list", args=[edition.slug]), {"title": "X", "date": "2023-06-12"}),
        client.post(reverse("cohorts:attendance_from_masterclasses", args=[edition.slug]), {"masterclass": "all"}),
        client.get(checklist_url(session)),
        client.post(checklist_url(session), {"present": [enrolment.pk]}),
    ]

    assert [page.status_code for page in pages] == [403] * 5
    assert not Attendance.objects.exists()
    assert AttendanceEvent.objects.count() == 1


def test_attendance_sends_anonymous_visitors_to_log_in(client, session):
    response = client.get(checklist_url(session))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Constant queries ---------------------------------------------------------------------------------------------


def _crowd(edition, count: int, start: int = 0) -> list[int]:
    return [person(edition, f"Diarra {n:02d}").pk for n in range(start, start + count)]


def test_checklist_reads_in_a_constant_number_of_queries(
    client, organiser, edition, session, django_assert_max_num_queries
):
    one = _crowd(edition, 1)
    Attendance.objects.create(event=session, enrolment_id=one[0])
    client.force_login(organiser)
    with django_assert_max_num_queries(10) as few:
        client.get(checklist_url(session))
    for pk in _crowd(edition, 29, start=1)[::2]:
        Attendance.objects.create(event=session, enrolment_id=pk)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(checklist_url(session))

    assert len(response.context["rows"]) == 30


def test_checklist_saves_in_a_constant_number_of_queries(
    client, organiser, edition, session, django_assert_max_num_queries
):
    one = _crowd(edition, 1)
    later = AttendanceEvent.objects.create(edition=edition, title="Atelier, jour 2", date=dt.date(2023, 6, 13))
    client.force_login(organiser)
    with django_assert_max_num_queries(15) as few:
        client.post(checklist_url(session), {"present": one, "shown": one})
    many = one + _crowd(edition, 29, start=1)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.post(checklist_url(later), {"present": many[::2], "shown": many})
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # new marks and changed ones: two writes
        client.post(checklist_url(session), {"present": many[1::2], "shown": many})

    assert marks(later) == {pk: index % 2 == 0 for index, pk in enumerate(many)}
    assert marks(session) == {pk: index % 2 == 1 for index, pk in enumerate(many)}


# --- A long checklist, a page at a time ---------------------------------------------------------------------------


@pytest.fixture
def long_checklist(edition, monkeypatch):
    """Five people, two per page."""
    monkeypatch.setattr("cohorts.views.attendance.CHECKLIST_PER_PAGE", 2)
    return [person(edition, f"Diarra {n}").pk for n in range(5)]


def test_a_long_checklist_is_shown_a_page_at_a_time(client, organiser, session, long_checklist):
    client.force_login(organiser)

    first = client.get(checklist_url(session))
    last = client.get(checklist_url(session), {"page": 3})
    beyond = client.get(checklist_url(session), {"page": 9})

    assert [row[0].pk for row in first.context["rows"]] == long_checklist[:2]
    assert first.context["page"].paginator.count == 5
    assert [row[0].pk for row in last.context["rows"]] == long_checklist[4:]
    assert [row[0].pk for row in beyond.context["rows"]] == long_checklist[4:]
    assert first.content.decode().count('name="shown"') == 2


def test_saving_a_page_leaves_the_other_pages_marks_alone(english, client, organiser, session, long_checklist):
    client.force_login(organiser)
    page_one, page_two = long_checklist[:2], long_checklist[2:4]
    client.post(checklist_url(session), {"present": page_one, "shown": page_one})

    response = client.post(checklist_url(session) + "?page=2", {"present": page_two[:1], "shown": page_two})

    assert marks(session) == {page_one[0]: True, page_one[1]: True, page_two[0]: True, page_two[1]: False}
    assert response.url == checklist_url(session) + "?page=2"
    assert messages_of(response)[-1] == "Attendance saved: 1 present, 1 absent."


def test_tick_all_ticks_the_page_shown(client, organiser, session, long_checklist):
    client.force_login(organiser)

    response = client.get(checklist_url(session), {"page": 2, "tick": "all"})

    assert [(row[0].pk, row[2]) for row in response.context["rows"]] == [(pk, True) for pk in long_checklist[2:4]]
    assert "page=2&amp;tick=none" in response.content.decode()


def test_the_checklist_searches_names_without_accents(client, organiser, edition, session):
    keita, _diarra = person(edition, "Kéïta"), person(edition, "Diarra")
    client.force_login(organiser)

    response = client.get(checklist_url(session), {"q": "keita"})

    assert [row[0].pk for row in response.context["rows"]] == [keita.pk]
    assert response.context["page"].paginator.count == 1


def test_saving_a_search_result_marks_only_the_people_found(client, organiser, edition, session):
    keita, diarra = person(edition, "Kéïta"), person(edition, "Diarra")
    services.record_attendance(session, [diarra.pk], by=organiser)
    client.force_login(organiser)

    response = client.post(checklist_url(session) + "?q=keita", {"shown": [keita.pk]})

    assert marks(session) == {keita.pk: False, diarra.pk: True}
    assert response.url == checklist_url(session) + "?q=keita"

"""Attendance, from a new workshop day to the rates in the roster."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import Attendance, Enrolment
from malisig.demo import DEMO_PASSWORD, EDITION_SLUG

from .conftest import login

pytestmark = pytest.mark.e2e

EDITION_PATH = f"/editions/{EDITION_SLUG}/"


def test_an_organiser_takes_attendance_of_a_workshop_day_and_the_roster_shows_the_rates(demo, page, base_url):
    # Arrange: two of the demo's active participants will come, a third will not.
    active = Enrolment.objects.filter(edition=demo.edition, status=Enrolment.Status.ACTIVE).select_related("user")
    present, also_present, absent = active.order_by("user__email")[:3]
    login(page, base_url, "organisatrice@example.org", DEMO_PASSWORD)

    # Act: from the roster to the attendance page, where she adds today's workshop day.
    page.goto(f"{base_url}{EDITION_PATH}participants/")
    page.get_by_role("link", name=re.compile(r"^\s*(Présences?|Attendance)\s*$")).first.click()
    page.locator("#id_title").fill("Atelier, jour 1")
    page.locator("#id_date").fill(timezone.localdate().isoformat())
    page.locator("input[name=create]").click()

    # Act: on the session's checklist, she ticks the two who came and saves.
    checklist = page.get_by_test_id("checklist")
    expect(checklist).to_be_visible()
    for enrolment in (present, also_present):
        checklist.get_by_label(str(enrolment.user)).check()
    page.get_by_test_id("save-attendance").click()

    # Assert: the marks are saved, the ticked boxes stay ticked and the others are not.
    expect(checklist.get_by_label(str(present.user))).to_be_checked()
    expect(checklist.get_by_label(str(absent.user))).not_to_be_checked()
    marks = dict(Attendance.objects.filter(event__edition=demo.edition).values_list("enrolment_id", "present"))
    assert (marks[present.pk], marks[also_present.pk], marks[absent.pk]) == (True, True, False)

    # Act: back to the roster, she looks each of them up.
    rates = {}
    for enrolment in (present, also_present, absent):
        page.goto(f"{base_url}{EDITION_PATH}participants/")
        page.locator("#id_q").fill(enrolment.user.email)
        page.locator("#id_q").press("Enter")
        row = page.get_by_test_id("roster").locator("tbody tr")
        expect(row).to_have_count(1)
        rates[enrolment.pk] = row.locator("td").last.inner_text().strip()

    # Assert: one session held, so 100 % for those present and 0 % for the one absent.
    assert (rates[present.pk], rates[also_present.pk], rates[absent.pk]) == ("100 %", "100 %", "0 %")

"""The public defense in the browser: a juror scores on a phone through a network cut; the projector counts down."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import Role
from groups.models import Formation, Membership
from submissions.models import Criterion, DefenseScore
from submissions.services.review import criteria_of, release_decisions, stage_decision, start_review
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    AssignmentSettingsFactory,
    EditionFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    StakeholderTypeFactory,
)
from tests.review.conftest import person, write_and_submit

from .conftest import login

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SAVE_WAIT = 15_000


@pytest.fixture
def ceremony(transactional_db):
    """Two groups (Gouvernement A, Secteur privé A) whose documents the jury accepted; a juror and the chair."""
    edition = EditionFactory(slug="malisig-2023", title="MaliSIG 2023", year=2023)
    Formation.objects.create(edition=edition, published_at=timezone.now())
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(["Introduction", "Légalité des coupures", "Conclusion"], start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, title_en=title)
    AssignmentSettingsFactory(
        assignment=assignment, deadline=timezone.now() + timezone.timedelta(days=2), presentation_required=False
    )
    chair = person(edition, "chair@example.org", "Présidente", "Jury", role=Role.JURY_CHAIR)
    juror = person(edition, "juror@example.org", "Juré", "Jury", role=Role.JUROR)
    groups = []
    for position, (code, name) in enumerate([("gouvernement", "Gouvernement"), ("secteur-prive", "Secteur privé")]):
        kind = StakeholderTypeFactory(edition=edition, code=code, name_fr=name, name_en=name, position=position)
        group = GroupFactory(edition=edition, stakeholder_type=kind, name=f"{name} A")
        writer = person(edition, f"{code}@example.org", "Plume", name)
        MembershipFactory(group=group, user=writer, group_role=Membership.GroupRole.COORDINATOR)
        submission = write_and_submit(group, writer, [f"<p>{code} : partie {n}.</p>" for n in (1, 2, 3)])
        start_review(submission, by=chair)
        stage_decision(submission, "accepted", by=chair)
        groups.append(group)
    release_decisions(edition, by=chair)
    return edition, groups, chair, juror


def test_a_juror_scores_offline_on_a_phone_and_the_scores_reach_the_server(ceremony, new_page, base_url):
    edition, (government, _), _, juror = ceremony
    criteria = criteria_of(edition, Criterion.Rubric.DEFENSE)
    page = new_page(**PHONE)
    login(page, base_url, juror.email, PASSWORD)
    page.goto(f"{base_url}/editions/{edition.slug}/jury/soutenance/notes/")
    card = page.get_by_test_id("score-card").first
    expect(page.get_by_test_id("score-card")).to_have_count(2)
    local_label = page.evaluate("JSON.parse(document.getElementById('df-labels').textContent).local")

    # Act: the connection drops; she scores the first group.
    page.context.set_offline(True)
    for select, value in zip(card.get_by_test_id("score").all(), ["4", "3", "5", "2"], strict=True):
        select.select_option(value)

    # Assert: kept on the phone only, and said so; nothing on the server yet.
    state = card.get_by_test_id("save-state")
    expect(state).to_have_attribute("data-state", "local", timeout=SAVE_WAIT)
    expect(state).to_have_text(local_label)
    assert not DefenseScore.objects.exists()

    # Act: the connection returns, the page stays open.
    page.context.set_offline(False)

    # Assert: sent, said so, stored; nothing left waiting on the phone; the page fits the phone's width.
    expect(state).to_have_attribute("data-state", "saved", timeout=SAVE_WAIT)
    stored = dict(DefenseScore.objects.filter(juror=juror, group=government).values_list("criterion", "value"))
    assert {pk: int(value) for pk, value in stored.items()} == dict(
        zip([c.pk for c in criteria], [4, 3, 5, 2], strict=True)
    )
    waiting = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('defense:')).length")
    assert waiting == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 391


def test_scores_kept_on_the_phone_survive_a_closed_tab(ceremony, new_page, base_url):
    edition, (government, _), _, juror = ceremony
    page = new_page(**PHONE)
    context = page.context
    login(page, base_url, juror.email, PASSWORD)
    sheet = f"{base_url}/editions/{edition.slug}/jury/soutenance/notes/"
    page.goto(sheet)
    context.set_offline(True)
    card = page.get_by_test_id("score-card").first
    card.get_by_test_id("score").first.select_option("1")
    expect(card.get_by_test_id("save-state")).to_have_attribute("data-state", "local", timeout=SAVE_WAIT)

    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(sheet)

    card = page.get_by_test_id("score-card").first
    expect(card.get_by_test_id("save-state")).to_have_attribute("data-state", "saved", timeout=SAVE_WAIT)
    assert DefenseScore.objects.get(juror=juror, group=government).value == 1


def test_the_chair_starts_a_turn_and_the_projector_counts_down(ceremony, new_page, base_url):
    edition, _, chair, _ = ceremony
    control, projector = new_page(), new_page(viewport={"width": 1920, "height": 1080})
    login(control, base_url, chair.email, PASSWORD)
    login(projector, base_url, chair.email, PASSWORD)
    projector.goto(f"{base_url}/editions/{edition.slug}/jury/soutenance/ecran/")
    control.goto(f"{base_url}/editions/{edition.slug}/jury/soutenance/")

    control.get_by_test_id("turn").first.get_by_test_id("start").click()

    # The projector notices the new turn by itself, then counts down from 10:00 without the network.
    expect(projector.get_by_test_id("countdown")).to_be_visible(timeout=SAVE_WAIT)
    expect(projector.get_by_test_id("timer-group")).to_have_text("Gouvernement A")
    projector.context.set_offline(True)
    expect(projector.get_by_test_id("countdown")).to_have_text(re.compile(r"^(10:00|9:[0-5]\d)$"))
    first = projector.get_by_test_id("countdown").text_content()
    projector.wait_for_timeout(1500)
    assert projector.get_by_test_id("countdown").text_content() != first


def test_a_presentation_clicker_moves_between_questions(ceremony, page, base_url):
    edition, _, chair, _ = ceremony
    login(page, base_url, chair.email, PASSWORD)
    page.goto(f"{base_url}/editions/{edition.slug}/jury/soutenance/questions/")
    expect(page.get_by_test_id("column")).to_have_count(2)

    page.keyboard.press("PageDown")

    expect(page).to_have_url(re.compile(r"\?q=2$"))
    expect(page.get_by_test_id("question-title")).to_have_text("Légalité des coupures")
    expect(page.get_by_test_id("answer").first).to_contain_text("gouvernement : partie 2.")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"\?q=1$"))

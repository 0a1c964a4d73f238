"""Issue 6 end to end, in the browser: a juror scores and asks for changes, the group revises and submits again, the
chair accepts, the defense is scored on a phone, the organiser publishes, and the public reads the document and the
comparison. Only the starting point is seeded; every later step is a real page and a real click."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone, translation
from playwright.sync_api import expect

from cohorts.models import Role
from groups.models import Formation, Membership
from submissions.models import (
    Criterion,
    Decision,
    DefenseScore,
    DefenseSlot,
    Review,
    Submission,
)
from submissions.services.assignment import zone_of
from submissions.services.jury import assign_juror
from submissions.services.review import (
    criteria_of,
    release_decisions,
    review_settings_for,
    stage_decision,
    start_all_reviews,
)
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
from tests.review.conftest import SECTION_TITLES, TYPES, person, write_and_submit

from .conftest import login

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SAVE_WAIT = 15_000  # autosave waits a few seconds after the last key; a slow runner gets some margin
REVISED = "Nous ajoutons une étude d'impact économique."


@pytest.fixture
def exercise(transactional_db):
    """Three groups have submitted; Gouvernement A is already accepted (so the defense has a running order to set);
    the other two are in review. Juré1 reviews Secteur privé A; a chair; an organiser."""
    edition = EditionFactory(slug="malisig-2023", title="MaliSIG 2023", year=2023)
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(SECTION_TITLES, start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, title_en=title)
    settings_row = AssignmentSettingsFactory(
        assignment=assignment,
        deadline=timezone.now() + dt.timedelta(days=2),
        late_cutoff=timezone.now() + dt.timedelta(days=3),
        presentation_required=False,
    )
    Formation.objects.create(edition=edition, published_at=timezone.now())
    groups, writers = {}, {}
    for position, (code, name_fr, name_en) in enumerate(TYPES, start=1):
        kind = StakeholderTypeFactory(edition=edition, code=code, name_fr=name_fr, name_en=name_en, position=position)
        groups[code] = GroupFactory(edition=edition, stakeholder_type=kind, name=f"{name_fr} A")
        first_name = "Awa" if code == "secteur-prive" else f"Plume {position}"
        writers[code] = person(edition, f"{code}@example.org", first_name, "Traoré")
        MembershipFactory(group=groups[code], user=writers[code], group_role=Membership.GroupRole.COORDINATOR)
        write_and_submit(groups[code], writers[code], [f"<p>{code} : {title}.</p>" for title in SECTION_TITLES])
    juror = person(edition, "juror1@example.org", "Juré1", "Jury", role=Role.JUROR)
    chair = person(edition, "chair@example.org", "Présidente", "Jury", role=Role.JURY_CHAIR)
    organiser = person(edition, "organiser@example.org", "Oumar", "Organisateur", role=Role.ORGANISER)
    review_settings = review_settings_for(edition)
    review_settings.reviewers_per_submission = 1
    review_settings.save()
    assign_juror(groups["secteur-prive"], juror, by=chair)
    start_all_reviews(edition, by=chair)
    government = Submission.objects.get(group=groups["gouvernement"])
    stage_decision(government, Decision.Outcome.ACCEPTED, by=chair)
    release_decisions(edition, by=chair)
    return {
        "edition": edition,
        "zone": zone_of(settings_row.time_zone),
        "group": groups["secteur-prive"],
        "coordinator": writers["secteur-prive"],
        "juror": juror,
        "chair": chair,
        "organiser": organiser,
    }


def open_as(new_page, base_url, user, **options):
    """A fresh browser (own cookies) set to English through the language cookie, logged in as `user`."""
    page = new_page(**options)
    speak_english(page, base_url)
    login(page, base_url, user.email, PASSWORD)
    return page


def speak_english(page, base_url) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base_url}])


def open_edition(page, base_url, edition) -> None:
    page.goto(base_url + edition.get_absolute_url())


def current(group) -> Submission:
    return Submission.objects.filter(group=group).order_by("-number").first()


def score_and_submit_review(page, criteria, values, message: str) -> None:
    for criterion, value in zip(criteria, values, strict=True):
        page.locator(f"#id_score_{criterion.pk}").fill(value)
    page.locator("#id_message_to_group").fill(message)
    page.get_by_test_id("submit-review").click()
    expect(page.get_by_test_id("own-state")).to_have_text("Submitted")


def chair_decides(page, base_url, edition, outcome: str, message: str, deadline: str = "", feedback=None) -> None:
    """From the edition page: the chair's dashboard, the Private Sector row, the decision form, then release."""
    open_edition(page, base_url, edition)
    page.get_by_test_id("chair-dashboard-link").click()
    row = page.get_by_test_id("row").filter(has_text="Private Sector")
    row.get_by_role("link", name="Decide").click()
    page.get_by_label(outcome, exact=True).check()
    for criterion, text in (feedback or {}).items():
        with translation.override("en"):
            name = criterion.tr.name
        page.get_by_label(name, exact=True).fill(text)
    page.locator("#id_message").fill(message)
    if deadline:
        page.locator("#id_revision_deadline").fill(deadline)
    page.get_by_test_id("stage").click()
    pending = page.get_by_test_id("pending-decisions")
    expect(pending).to_contain_text(outcome)
    pending.get_by_test_id("release-all").click()
    expect(page.get_by_test_id("pending-decisions")).to_have_count(0)


def test_from_the_first_review_to_the_public_comparison(exercise, new_page, base_url):
    edition, group = exercise["edition"], exercise["group"]
    juror, chair = exercise["juror"], exercise["chair"]
    criteria = criteria_of(edition, Criterion.Rubric.DOCUMENT)

    # 1. The juror opens "My reviews" from the edition page, then the document; scores it and writes to the group.
    juror_page = open_as(new_page, base_url, juror)
    open_edition(juror_page, base_url, edition)
    juror_page.get_by_test_id("juror-dashboard-link").click()
    assignment = juror_page.get_by_test_id("assignment")
    expect(assignment).to_have_count(1)
    expect(assignment).to_contain_text("Private Sector")
    assignment.get_by_role("link").click()
    expect(juror_page.get_by_test_id("section").first).to_contain_text("secteur-prive : Introduction.")
    score_and_submit_review(juror_page, criteria, ["3", "2", "3", "2", "3"], "Chiffrez le coût des coupures.")

    first = current(group)
    review = Review.objects.get(submission=first, juror=juror)
    assert review.state == Review.State.SUBMITTED
    assert review.message_to_group == "Chiffrez le coût des coupures."
    assert review.scores.count() == len(criteria)

    # 2. The chair asks for changes, with a deadline for the revised document, and releases the decision.
    chair_page = open_as(new_page, base_url, chair)
    revise_by = (timezone.now() + dt.timedelta(days=10)).astimezone(exercise["zone"]).replace(hour=18, minute=0)
    chair_decides(
        chair_page,
        base_url,
        edition,
        "Request changes",
        "Ajoutez une étude d'impact économique.",
        deadline=revise_by.strftime("%Y-%m-%dT%H:%M"),
        feedback={criteria[0]: "Citez vos sources chiffrées."},
    )
    first.refresh_from_db()
    assert first.state == Submission.State.CHANGES_REQUESTED
    assert first.decision.released_at is not None
    assert first.decision.revision_deadline == revise_by.replace(second=0, microsecond=0)

    # 3. The coordinator reads the feedback on the submission's page, writes again, and submits again.
    group_page = open_as(new_page, base_url, exercise["coordinator"])
    open_edition(group_page, base_url, edition)
    group_page.get_by_test_id("my-workspace-link").click()
    expect(group_page.get_by_test_id("editor-area")).to_have_count(3)
    expect(group_page.get_by_test_id("workspace-closed")).to_have_count(0)
    group_page.get_by_test_id("submission-link").click()
    group_page.get_by_test_id("submissions").get_by_role("link", name="Submission 1").click()
    feedback = group_page.get_by_test_id("feedback")
    expect(feedback.get_by_test_id("outcome")).to_contain_text("Changes requested")
    expect(feedback.get_by_test_id("outcome")).to_contain_text("Submit the revised document by")
    expect(feedback.get_by_test_id("decision-message")).to_contain_text("Ajoutez une étude d'impact économique.")
    expect(feedback.get_by_test_id("criteria-feedback")).to_contain_text("Citez vos sources chiffrées.")

    open_edition(group_page, base_url, edition)
    group_page.get_by_test_id("my-workspace-link").click()
    section = group_page.get_by_test_id("section").nth(1)
    area = section.get_by_test_id("editor-area")
    area.click()
    area.press("End")
    group_page.keyboard.type(" " + REVISED)
    expect(section.get_by_test_id("save-state")).to_have_attribute("data-state", "saved", timeout=SAVE_WAIT)
    group_page.get_by_test_id("submission-link").click()
    group_page.locator("#declaration").check()
    group_page.get_by_test_id("submit").click()
    expect(group_page.get_by_test_id("pending")).to_be_visible()

    second = current(group)
    assert (second.number, second.state) == (2, Submission.State.RESUBMITTED)
    assert REVISED in second.sections.get(position=2).html

    # 4. The chair starts the review of the revised document; the juror reads what changed and reviews it.
    open_edition(chair_page, base_url, edition)
    chair_page.get_by_test_id("chair-dashboard-link").click()
    chair_page.get_by_test_id("start-all").click()
    expect(chair_page.get_by_test_id("start-all")).to_have_count(0)
    second.refresh_from_db()
    assert second.state == Submission.State.IN_REVIEW

    open_edition(juror_page, base_url, edition)
    juror_page.get_by_test_id("juror-dashboard-link").click()
    assignment = juror_page.get_by_test_id("assignment")
    expect(assignment).to_contain_text("Revised")
    assignment.get_by_role("link").click()
    changes = juror_page.get_by_test_id("resubmission")
    expect(changes.get_by_test_id("earlier-decision")).to_contain_text("Ajoutez une étude d'impact économique.")
    diffs = changes.get_by_test_id("section-diff")
    expect(diffs).to_have_count(3)
    expect(diffs.filter(has_text="unchanged")).to_have_count(2)
    changed = diffs.filter(has_text=SECTION_TITLES[1])
    expect(changed.locator("ins").filter(has_text="impact").first).to_be_visible()  # the changed part opens itself
    score_and_submit_review(juror_page, criteria, ["5", "4", "4", "4", "5"], "Le coût est chiffré, merci.")
    assert Review.objects.get(submission=second, juror=juror).state == Review.State.SUBMITTED
    assert Review.objects.filter(juror=juror).count() == 2

    # 5. The chair accepts the revised document.
    chair_decides(chair_page, base_url, edition, "Accept", "Document accepté.")
    second.refresh_from_db()
    assert second.state == Submission.State.ACCEPTED

    # 6. The defense: the chair puts Secteur privé A first; the juror scores it on a phone; the chair marks it.
    open_edition(chair_page, base_url, edition)
    chair_page.get_by_role("link", name="Public defense").click()
    turns = chair_page.get_by_test_id("turn")
    expect(turns).to_have_count(2)
    expect(turns.first).to_contain_text("Gouvernement A")
    turns.filter(has_text="Secteur privé A").get_by_test_id("move-up").click()
    expect(chair_page.get_by_test_id("turn").first).to_contain_text("Secteur privé A")
    assert list(DefenseSlot.objects.order_by("position").values_list("group__name", flat=True)) == [
        "Secteur privé A",
        "Gouvernement A",
    ]

    phone = open_as(new_page, base_url, juror, **PHONE)
    open_edition(phone, base_url, edition)
    phone.get_by_role("link", name="Defense score sheet").click()
    card = phone.get_by_test_id("score-card").first
    expect(card).to_contain_text("Secteur privé A")
    defense_criteria = criteria_of(edition, Criterion.Rubric.DEFENSE)
    scores = card.get_by_test_id("score")
    expect(scores).to_have_count(len(defense_criteria))
    for select, value in zip(scores.all(), ["4", "3", "5", "4"], strict=True):
        select.select_option(value)
    state = card.get_by_test_id("save-state")
    expect(state).to_have_attribute("data-state", "saved", timeout=SAVE_WAIT)
    expect(state).to_have_text("Saved")
    stored = DefenseScore.objects.filter(juror=juror, group=group)
    assert sorted(int(value) for value in stored.values_list("value", flat=True)) == [3, 4, 4, 5]
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 391, f"the score sheet is {scroll_width}px wide on a 390px screen"

    chair_page.reload()
    turn = chair_page.get_by_test_id("turn").filter(has_text="Secteur privé A")
    expect(turn.get_by_test_id("scored-by")).to_contain_text("scored by 1 juror")
    turn.get_by_test_id("mark-defended").click()
    expect(chair_page.get_by_test_id("turn").filter(has_text="Secteur privé A")).to_contain_text("Defended")
    second.refresh_from_db()
    assert second.state == Submission.State.DEFENDED

    # 7. The organiser publishes the document from the Publication page.
    organiser_page = open_as(new_page, base_url, exercise["organiser"])
    open_edition(organiser_page, base_url, edition)
    organiser_page.get_by_role("link", name="Publication").click()
    candidate = organiser_page.get_by_test_id("candidate").filter(has_text="Secteur privé A")
    candidate.get_by_test_id("publish").click()
    expect(
        organiser_page.get_by_test_id("candidate").filter(has_text="Secteur privé A").get_by_role("link")
    ).to_have_text("Public page")
    second.refresh_from_db()
    assert second.state == Submission.State.PUBLISHED

    # 8. Anyone: the edition's public page lists it; its page shows the revised text; the comparison puts it under
    # its stakeholder type.
    public = new_page()
    speak_english(public, base_url)
    public.goto(f"{base_url}/editions/{edition.slug}/public/")
    published = public.get_by_test_id("published-list")
    expect(published.get_by_role("link", name="Secteur privé A")).to_have_count(1)
    expect(published).not_to_contain_text("Société civile A")
    published.get_by_role("link", name="Secteur privé A").click()
    expect(public.locator("main")).to_contain_text(REVISED)

    public.goto(f"{base_url}/editions/{edition.slug}/public/")
    public.get_by_role("link", name=re.compile("Compare the stakeholders")).click()
    question = public.get_by_test_id("question").nth(1)
    column = question.get_by_test_id("grid").locator("[data-stakeholder=secteur-prive]")
    expect(column).to_contain_text("Private Sector")
    expect(column.get_by_test_id("answer")).to_contain_text(REVISED)
    expect(public.locator("main")).not_to_contain_text("societe-civile :")

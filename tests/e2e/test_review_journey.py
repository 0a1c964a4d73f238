"""A juror's review in the browser: from the dashboard to the assigned document, a draft, then the submitted review."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.models import Role
from groups.models import Formation, Membership
from submissions.models import Criterion, Review, ReviewAssignment
from submissions.services.review import criteria_of, review_settings_for, start_all_reviews
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


@pytest.fixture
def in_review(transactional_db):
    """Secteur privé A has submitted and its review has started; Juré1 is assigned to it (blind review)."""
    edition = EditionFactory(slug="malisig-2023", title="MaliSIG 2023", year=2023)
    assignment = AssignmentFactory(edition=edition)
    for position, title in enumerate(["Introduction", "Conclusion"], start=1):
        SectionTemplateFactory(assignment=assignment, position=position, title_fr=title, title_en=title)
    AssignmentSettingsFactory(
        assignment=assignment,
        deadline=timezone.now() + dt.timedelta(days=2),
        late_cutoff=timezone.now() + dt.timedelta(days=3),
        presentation_required=False,
    )
    Formation.objects.create(edition=edition, published_at=timezone.now())
    kind = StakeholderTypeFactory(edition=edition, code="secteur-prive", name_fr="Secteur privé", name_en="Private")
    group = GroupFactory(edition=edition, stakeholder_type=kind, name="Secteur privé A")
    awa = person(edition, "awa@example.org", "Awa", "Traoré")
    MembershipFactory(group=group, user=awa, group_role=Membership.GroupRole.COORDINATOR)
    write_and_submit(group, awa, ["<p>Nous proposons un observatoire.</p>", "<p>En conclusion, rouvrir.</p>"])
    juror = person(edition, "juror1@example.org", "Juré1", "Jury", role=Role.JUROR)
    chair = person(edition, "chair@example.org", "Présidente", "Jury", role=Role.JURY_CHAIR)
    review_settings = review_settings_for(edition)
    review_settings.blind = True
    review_settings.review_deadline = timezone.now() + dt.timedelta(days=4, hours=2)
    review_settings.save()
    ReviewAssignment.objects.create(group=group, juror=juror, assigned_by=chair)
    start_all_reviews(edition, by=chair)
    return edition, group, juror


def test_a_juror_opens_the_assigned_document_scores_it_and_submits(in_review, page, base_url):
    edition, _group, juror = in_review
    criteria = criteria_of(edition, Criterion.Rubric.DOCUMENT)
    login(page, base_url, juror.email, PASSWORD)

    page.goto(base_url + reverse("submissions:juror_dashboard", args=[edition.slug]))
    row = page.get_by_test_id("assignment")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Document 1")
    expect(page.locator("main")).not_to_contain_text("Secteur privé A")
    row.get_by_role("link").click()

    expect(page.get_by_test_id("section").first).to_contain_text("Nous proposons un observatoire.")
    expect(page.locator("main")).not_to_contain_text("Awa")
    page.locator(f"#id_score_{criteria[0].pk}").fill("4")
    page.locator(f"#id_comment_{criteria[0].pk}").fill("Sources solides.")
    page.locator("#id_message_to_group").fill("Un travail sérieux.")
    page.get_by_test_id("save-draft").click()

    expect(page.get_by_test_id("own-state")).to_be_visible()
    review = Review.objects.get(juror=juror)
    assert review.state == Review.State.DRAFT

    page.locator(f"#id_score_{criteria[1].pk}").fill("9")
    page.get_by_test_id("submit-review").click()
    expect(page.locator(f"#id_score_{criteria[1].pk}")).to_have_class(re.compile(r"\bis-invalid\b"))
    review.refresh_from_db()
    assert review.state == Review.State.DRAFT

    for criterion, value in zip(criteria[1:], ["3", "5", "2,5", "4"], strict=True):
        page.locator(f"#id_score_{criterion.pk}").fill(value.replace(",", "."))
    page.get_by_test_id("submit-review").click()

    expect(page.get_by_test_id("submit-review")).to_be_visible()
    expect(page.get_by_test_id("save-draft")).to_have_count(0)
    review.refresh_from_db()
    assert review.state == Review.State.SUBMITTED
    assert review.message_to_group == "Un travail sérieux."
    assert sorted(float(v) for v in review.scores.values_list("value", flat=True)) == [2.5, 3, 4, 4, 5]

    page.goto(base_url + reverse("submissions:juror_dashboard", args=[edition.slug]))
    expect(page.get_by_test_id("assignment")).to_have_attribute("data-progress", "submitted")

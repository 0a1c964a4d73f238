"""The edition page leads each jury role to its own pages, and nobody else to them."""

import pytest
from django.urls import reverse


def edition_page(client, edition):
    return client.get(reverse("cohorts:edition_detail", args=[edition.slug])).content.decode()


def url(name, edition):
    return reverse(f"submissions:{name}", args=[edition.slug])


def test_a_juror_finds_their_reviews_conflicts_score_sheet_and_the_comparison(client, edition, jurors):
    client.force_login(jurors[0])

    html = edition_page(client, edition)

    for name in ("juror_dashboard", "jury_conflicts", "defense_sheet", "comparison_jury"):
        assert url(name, edition) in html
    assert url("chair_dashboard", edition) not in html
    assert url("review_settings", edition) not in html


def test_the_chair_also_finds_the_dashboard_assignments_defense_and_results(client, edition, chair):
    client.force_login(chair)

    html = edition_page(client, edition)

    for name in ("chair_dashboard", "jury_setup", "defense_order", "results", "juror_dashboard"):
        assert url(name, edition) in html


def test_organisers_find_the_review_settings_and_publication(client, edition, organiser):
    client.force_login(organiser)

    html = edition_page(client, edition)

    for name in ("review_settings", "publication_manage", "chair_dashboard", "results"):
        assert url(name, edition) in html
    assert url("juror_dashboard", edition) not in html


@pytest.mark.usefixtures("groups")
def test_a_participant_sees_no_jury_link(client, edition, member):
    client.force_login(member)

    assert 'data-testid="review-links"' not in edition_page(client, edition)

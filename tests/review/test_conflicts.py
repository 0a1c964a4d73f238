"""Conflicts of interest: detection by organisation and email domain, the chair's decision, a juror's declaration,
and what a conflict does to assignment."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cohorts.models import Role
from submissions.models import ConflictOfInterest, ReviewAssignment
from submissions.services import jury
from tests.conftest import speak
from tests.factories import MembershipFactory

from .conftest import person

Status, Kind = ConflictOfInterest.Status, ConflictOfInterest.Kind


def juror_at(edition, email, organisation="", role=Role.JUROR):
    return person(edition, email, "Moussa", "Sidibé", role=role, organisation=organisation)


def member_at(edition, group, email, organisation=""):
    user = person(edition, email, "Oumou", "Sangaré", organisation=organisation)
    MembershipFactory(group=group, user=user)
    return user


def rows(edition):
    return set(
        ConflictOfInterest.objects.filter(group__edition=edition).values_list("juror__email", "group__name", "status")
    )


# --- detection -------------------------------------------------------------------------------------------------------


def test_same_organisation_folded_is_flagged_for_the_chair(edition, groups, coordinator, chair):
    suspect = juror_at(edition, "moussa@univ.ml", organisation="  ORANGE   mali ")

    created = jury.detect_conflicts(edition, by=chair)

    assert [(row.juror, row.group, row.status, row.kind) for row in created] == [
        (suspect, groups["secteur-prive"], Status.SUGGESTED, Kind.INSTITUTIONAL)
    ]
    assert created[0].reason.endswith(": Orange Mali.")  # stored in the site's language, whoever clicks
    assert "Awa" not in created[0].reason and "Traoré" not in created[0].reason


def test_accents_do_not_hide_the_same_organisation(edition, groups, chair):
    member_at(edition, groups["gouvernement"], "o@gouv.ml", organisation="Ministère de l'Économie numérique")
    juror_at(edition, "m@univ.ml", organisation="ministere de l'economie numerique")

    jury.detect_conflicts(edition, by=chair)

    assert rows(edition) == {("m@univ.ml", "Gouvernement A", Status.SUGGESTED)}


def test_same_email_domain_is_flagged(edition, groups, chair):
    member_at(edition, groups["societe-civile"], "oumou@sotelma.ml")
    juror_at(edition, "moussa@SOTELMA.ml")

    created = jury.detect_conflicts(edition, by=chair)

    assert rows(edition) == {("moussa@sotelma.ml", "Société civile A", Status.SUGGESTED)}
    assert "sotelma.ml" in created[0].reason


@pytest.mark.parametrize("domain", ["gmail.com", "yahoo.fr", "hotmail.com", "outlook.com", "example.org"])
def test_webmail_and_reserved_domains_say_nothing(edition, groups, chair, domain):
    member_at(edition, groups["societe-civile"], f"oumou@{domain}")
    juror_at(edition, f"moussa@{domain}")

    assert jury.detect_conflicts(edition, by=chair) == []
    assert rows(edition) == set()


def test_a_juror_who_is_a_member_is_flagged_personal(edition, groups, chair):
    both = juror_at(edition, "both@univ.ml")
    MembershipFactory(group=groups["gouvernement"], user=both)

    created = jury.detect_conflicts(edition, by=chair)

    assert [(row.juror, row.kind) for row in created] == [(both, Kind.PERSONAL)]


def test_detection_never_duplicates(edition, groups, coordinator, chair):
    juror_at(edition, "moussa@univ.ml", organisation="Orange Mali")
    jury.detect_conflicts(edition, by=chair)

    again = jury.detect_conflicts(edition, by=chair)

    assert again == []
    assert ConflictOfInterest.objects.count() == 1


def test_a_dismissed_conflict_stays_dismissed(edition, groups, coordinator, chair):
    juror_at(edition, "moussa@univ.ml", organisation="Orange Mali")
    [conflict] = jury.detect_conflicts(edition, by=chair)
    jury.dismiss_conflict(conflict, by=chair)

    jury.detect_conflicts(edition, by=chair)

    conflict.refresh_from_db()
    assert (conflict.status, conflict.decided_by) == (Status.DISMISSED, chair)
    assert ConflictOfInterest.objects.count() == 1


def test_a_declared_conflict_is_left_as_declared(edition, groups, coordinator, chair):
    suspect = juror_at(edition, "moussa@univ.ml", organisation="Orange Mali")
    jury.declare_conflict(groups["secteur-prive"], Kind.COLLABORATOR, "Même équipe", by=suspect)

    assert jury.detect_conflicts(edition, by=chair) == []

    conflict = ConflictOfInterest.objects.get()
    assert (conflict.status, conflict.kind, conflict.reason) == (Status.DECLARED, Kind.COLLABORATOR, "Même équipe")


def test_only_the_chair_or_organisers_detect(edition, groups, jurors, organiser):
    with pytest.raises(PermissionDenied):
        jury.detect_conflicts(edition, by=jurors[0])

    assert jury.detect_conflicts(edition, by=organiser) == []


# --- the chair decides -----------------------------------------------------------------------------------------------


@pytest.fixture
def suspicion(edition, groups, coordinator, chair):
    """A juror from Orange Mali, assigned to Secteur privé A, then flagged."""
    suspect = juror_at(edition, "moussa@univ.ml", organisation="Orange Mali")
    ReviewAssignment.objects.create(group=groups["secteur-prive"], juror=suspect)
    [conflict] = jury.detect_conflicts(edition, by=chair)
    return conflict


def test_a_suggested_conflict_shuts_the_door_until_decided(suspicion, groups):
    suspect = suspicion.juror

    assert not suspect.has_perm("submissions.review_group", groups["secteur-prive"])
    assert ReviewAssignment.objects.filter(juror=suspect).exists()


def test_confirming_removes_the_assignment(suspicion, chair):
    jury.confirm_conflict(suspicion, by=chair)

    suspicion.refresh_from_db()
    assert (suspicion.status, suspicion.decided_by) == (Status.CONFIRMED, chair)
    assert suspicion.decided_at is not None
    assert not ReviewAssignment.objects.filter(juror=suspicion.juror).exists()


def test_dismissing_gives_the_group_back(suspicion, chair, groups):
    jury.dismiss_conflict(suspicion, by=chair)

    suspect = type(suspicion.juror).objects.get(pk=suspicion.juror_id)
    assert suspect.has_perm("submissions.review_group", groups["secteur-prive"])


def test_a_decided_conflict_is_not_decided_again(suspicion, chair):
    jury.dismiss_conflict(suspicion, by=chair)

    with pytest.raises(jury.JuryRefused):
        jury.confirm_conflict(suspicion, by=chair)


def test_nobody_decides_their_own_conflict(edition, groups, coordinator):
    chair = juror_at(edition, "presidente@orange.ml", organisation="Orange Mali", role=Role.JURY_CHAIR)
    [conflict] = jury.detect_conflicts(edition, by=chair)

    with pytest.raises(jury.JuryRefused):
        jury.dismiss_conflict(conflict, by=chair)


def test_a_juror_cannot_decide(suspicion, jurors):
    with pytest.raises(PermissionDenied):
        jury.dismiss_conflict(suspicion, by=jurors[0])


# --- a juror declares ------------------------------------------------------------------------------------------------


def test_declaring_removes_the_assignment(edition, groups, assigned):
    juror, group = assigned[0], groups["gouvernement"]
    assert juror.has_perm("submissions.review_group", group)

    conflict = jury.declare_conflict(group, Kind.PERSONAL, "Ma cousine est dans ce groupe.", by=juror)

    assert (conflict.status, conflict.kind) == (Status.DECLARED, Kind.PERSONAL)
    assert not ReviewAssignment.objects.filter(juror=juror, group=group).exists()
    assert ReviewAssignment.objects.filter(juror=juror).count() == 2
    assert not juror.has_perm("submissions.review_group", group)  # the cache was forgotten
    assert not juror.has_perm("submissions.read_for_jury", group)


def test_declaring_over_a_dismissed_conflict_makes_it_declared(suspicion, chair, groups):
    jury.dismiss_conflict(suspicion, by=chair)

    jury.declare_conflict(groups["secteur-prive"], Kind.INSTITUTIONAL, "", by=suspicion.juror)

    suspicion.refresh_from_db()
    assert (suspicion.status, suspicion.decided_by) == (Status.DECLARED, None)


def test_a_participant_cannot_declare(edition, groups, member):
    with pytest.raises(PermissionDenied):
        jury.declare_conflict(groups["gouvernement"], Kind.OTHER, "", by=member)


def test_a_conflicted_juror_is_never_assigned(edition, groups, jurors, chair, review_settings, submissions):
    review_settings.reviewers_per_submission = 0
    review_settings.save()
    jury.declare_conflict(groups["gouvernement"], Kind.PERSONAL, "", by=jurors[0])

    jury.auto_assign(edition, by=chair)

    assert not ReviewAssignment.objects.filter(juror=jurors[0], group=groups["gouvernement"]).exists()
    assert ReviewAssignment.objects.filter(juror=jurors[0]).count() == 2
    with pytest.raises(ValidationError):
        jury.assign_juror(groups["gouvernement"], jurors[0], by=chair)


def test_a_suggested_conflict_also_keeps_the_juror_away(suspicion, chair, groups):
    ReviewAssignment.objects.filter(juror=suspicion.juror).delete()

    with pytest.raises(ValidationError):
        jury.assign_juror(groups["secteur-prive"], suspicion.juror, by=chair)


# --- pages -----------------------------------------------------------------------------------------------------------


def conflicts_url(edition):
    return reverse("submissions:jury_conflicts", args=[edition.slug])


def test_juror_page_lists_groups_with_members(client, edition, groups, coordinator, member, jurors):
    client.force_login(jurors[0])

    response = client.get(conflicts_url(edition))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Secteur privé A" in html and "Awa Traoré (Orange Mali)" in html and "Sékou Keita" in html


def test_juror_page_in_blind_review_shows_organisations_not_names(
    client, edition, groups, coordinator, member, jurors, review_settings
):
    review_settings.blind = True
    review_settings.save()
    client.force_login(jurors[0])

    html = client.get(conflicts_url(edition)).content.decode()

    assert "Orange Mali" in html and "Document 2" in html
    for leak in ("Awa", "Traoré", "Sékou", "Keita", "Secteur privé A", "Gouvernement A"):
        assert leak not in html


def test_juror_declares_on_the_page(client, edition, groups, assigned):
    juror = assigned[1]
    client.force_login(juror)
    speak(client, "en")
    group = groups["societe-civile"]

    response = client.post(
        conflicts_url(edition), {"group": group.pk, "kind": Kind.COLLABORATOR, "reason": "Co-author"}, follow=True
    )

    html = response.content.decode()
    assert "You no longer review this document; the chair sees your declaration." in html
    conflict = ConflictOfInterest.objects.get(juror=juror, group=group)
    assert (conflict.status, conflict.kind, conflict.reason) == (Status.DECLARED, Kind.COLLABORATOR, "Co-author")
    assert not ReviewAssignment.objects.filter(juror=juror, group=group).exists()


def test_juror_page_refuses_a_group_of_another_edition(client, edition, groups, jurors, other_edition):
    from tests.factories import GroupFactory

    elsewhere = GroupFactory(edition=other_edition)
    client.force_login(jurors[0])

    response = client.post(conflicts_url(edition), {"group": elsewhere.pk, "kind": Kind.OTHER})

    assert response.status_code == 400
    assert not ConflictOfInterest.objects.exists()


@pytest.mark.parametrize("persona", ["organiser", "participant", "outsider", "other_organiser"])
def test_only_jurors_open_their_conflicts_page(client, request, edition, groups, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(conflicts_url(edition)).status_code == 403


def test_chair_confirms_and_dismisses_on_the_jury_page(client, edition, suspicion, chair, groups):
    other = ConflictOfInterest.objects.create(
        juror=juror_at(edition, "x@univ.ml"), group=groups["gouvernement"], kind=Kind.OTHER, status=Status.SUGGESTED
    )
    client.force_login(chair)

    page = client.get(reverse("submissions:jury_setup", args=[edition.slug])).content.decode()
    client.post(reverse("submissions:jury_conflict", args=[edition.slug, suspicion.pk]), {"action": "confirm"})
    client.post(reverse("submissions:jury_conflict", args=[edition.slug, other.pk]), {"action": "dismiss"})

    assert page.count('data-testid="confirm-conflict"') == 2
    assert ConflictOfInterest.objects.get(pk=suspicion.pk).status == Status.CONFIRMED
    assert ConflictOfInterest.objects.get(pk=other.pk).status == Status.DISMISSED


def test_chair_detects_on_the_jury_page(client, edition, groups, coordinator, chair):
    juror_at(edition, "moussa@univ.ml", organisation="Orange Mali")
    client.force_login(chair)
    speak(client, "en")

    response = client.post(reverse("submissions:jury_detect", args=[edition.slug]), follow=True)

    assert "1 likely conflict found" in response.content.decode()
    assert ConflictOfInterest.objects.get().status == Status.SUGGESTED


def test_a_conflict_of_another_edition_is_404(client, edition, chair, other_edition):
    from tests.factories import GroupFactory

    elsewhere = ConflictOfInterest.objects.create(
        juror=chair, group=GroupFactory(edition=other_edition), kind=Kind.OTHER, status=Status.SUGGESTED
    )
    client.force_login(chair)

    response = client.post(
        reverse("submissions:jury_conflict", args=[edition.slug, elsewhere.pk]), {"action": "dismiss"}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["juror", "participant", "other_organiser"])
def test_only_the_chair_detects_and_decides(client, request, edition, suspicion, persona):
    client.force_login(request.getfixturevalue(persona))

    detect = client.post(reverse("submissions:jury_detect", args=[edition.slug]))
    decide = client.post(reverse("submissions:jury_conflict", args=[edition.slug, suspicion.pk]), {"action": "dismiss"})

    assert (detect.status_code, decide.status_code) == (403, 403)
    assert ConflictOfInterest.objects.get(pk=suspicion.pk).status == Status.SUGGESTED

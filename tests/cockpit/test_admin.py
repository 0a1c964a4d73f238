"""The Django admin stays useful to site staff: every changelist loads with its filters and search, the audit log
and the evidence (certificate codes and files, generated reports, submissions, reviews) are read-only."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from cockpit.models import Certificate, CertificateBatch, CertificateRules, Report
from cohorts.models import Invitation
from submissions.models import Review
from submissions.services.review import start_all_reviews
from tests.factories import PASSWORD, GroupFactory, InvitationFactory, MembershipFactory, UserFactory
from tests.review.conftest import *  # noqa: F403 - the review's fixtures (three groups that submitted, a jury)


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def certificate(edition, participant):
    return Certificate.objects.create(edition=edition, user=participant, full_name="Awa Traoré")


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_staff_log_in_to_the_admin_with_their_email(client, superuser):
    response = client.post(
        reverse("admin:login"), {"username": "admin@example.org", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Certificate, {"q": "traoré", "kind": "participation", "revoked": "no"}),
        (Certificate, {"q": "AAAA", "revoked": "yes"}),
        (CertificateRules, {"q": "malisig"}),
        (CertificateBatch, {"status": "done"}),
        (Report, {"kind": "proceedings", "format": "pdf"}),
    ],
)
def test_the_cockpits_changelists_load_with_filters_and_search(admin_client, certificate, edition, model, query):
    CertificateRules.objects.create(edition=edition)
    CertificateBatch.objects.create(edition=edition, kind="participation", status="done", total=1, done=1)
    Report.objects.create(edition=edition, kind="proceedings", format="pdf", version_key="v1")

    response = admin_client.get(changelist(model), {**query, "edition__id__exact": edition.pk})

    assert response.status_code == 200


def test_a_certificate_is_found_by_code_name_or_email(admin_client, certificate):
    by_code = admin_client.get(changelist(Certificate), {"q": certificate.code})
    by_email = admin_client.get(changelist(Certificate), {"q": "participant@example.org"})
    elsewhere = admin_client.get(changelist(Certificate), {"q": "nobody"})

    assert list(by_code.context["cl"].result_list) == [certificate]
    assert list(by_email.context["cl"].result_list) == [certificate]
    assert list(elsewhere.context["cl"].result_list) == []


def test_a_certificates_code_and_file_are_read_only(admin_client, certificate):
    response = admin_client.get(reverse("admin:cockpit_certificate_change", args=[certificate.pk]))

    form = response.context["adminform"].form
    assert response.status_code == 200
    assert "code" not in form.fields and "file" not in form.fields and "full_name" not in form.fields
    assert "revoked_at" in form.fields


def test_batches_and_reports_cannot_be_added_nor_changed(admin_client, edition):
    report = Report.objects.create(edition=edition, kind="proceedings", format="pdf", version_key="v1")

    assert admin_client.get(reverse("admin:cockpit_report_add")).status_code == 403
    assert admin_client.get(reverse("admin:cockpit_certificatebatch_add")).status_code == 403
    response = admin_client.post(reverse("admin:cockpit_report_change", args=[report.pk]), {"version_key": "v2"})
    report.refresh_from_db()
    assert report.version_key == "v1"
    assert response.status_code in (302, 403)


def test_the_audit_log_is_listed_filtered_searched_and_read_only(admin_client, edition, organiser):
    with set_actor(organiser):
        invitation = InvitationFactory(edition=edition, email="guest@example.org")
    invitation.revoked_at = timezone.now()
    invitation.save()
    entry = LogEntry.objects.get_for_object(invitation).filter(actor=organiser).get()
    invitations = ContentType.objects.get_for_model(Invitation)

    listed = admin_client.get(changelist(LogEntry))
    by_type = admin_client.get(changelist(LogEntry), {"resource_type": invitations.pk, "action": 1})
    by_actor = admin_client.get(changelist(LogEntry), {"q": "organiser@example.org"})
    detail = admin_client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))

    assert listed.status_code == by_type.status_code == detail.status_code == 200
    assert [e.action for e in by_type.context["cl"].result_list] == [LogEntry.Action.UPDATE]
    assert list(by_actor.context["cl"].result_list) == [entry]
    assert admin_client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    assert admin_client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk])).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "groups_stakeholdertype",
        "groups_group",
        "groups_membership",
        "groups_formation",
        "groups_placementchange",
        "submissions_assignment",
        "submissions_extension",
        "submissions_submission",
        "submissions_reviewsettings",
        "submissions_criterion",
        "submissions_conflictofinterest",
        "submissions_reviewassignment",
        "submissions_review",
        "submissions_decision",
    ],
)
def test_the_groups_and_submissions_changelists_load_with_search(admin_client, edition, name):
    MembershipFactory(group=GroupFactory(edition=edition, name="Gouvernement A"))

    response = admin_client.get(reverse(f"admin:{name}_changelist"), {"q": "gouvernement"})

    assert response.status_code == 200


def test_memberships_are_found_by_person_or_group(admin_client, edition):
    membership = MembershipFactory(group=GroupFactory(edition=edition, name="Gouvernement A"))

    by_group = admin_client.get(reverse("admin:groups_membership_changelist"), {"q": "gouvernement"})
    by_email = admin_client.get(reverse("admin:groups_membership_changelist"), {"q": membership.user.email})

    assert list(by_group.context["cl"].result_list) == [membership]
    assert list(by_email.context["cl"].result_list) == [membership]


@pytest.mark.parametrize("persona", ["staff", "organiser"])
def test_staff_without_permissions_and_organisers_do_not_reach_the_cockpits_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(changelist(Certificate))

    assert response.status_code in (302, 403)


def test_a_submission_and_a_review_are_read_only_and_the_jurys_texts_are_not_shown(
    admin_client, edition, submissions, chair, assigned
):
    start_all_reviews(edition, by=chair)
    submission = submissions["secteur-prive"]
    review = Review.objects.create(
        submission=submission, juror=assigned[0], message_to_group="Bravo", private_note="Entre nous seulement"
    )

    listed = admin_client.get(reverse("admin:submissions_submission_changelist"), {"state": "in_review"})
    shown = admin_client.get(reverse("admin:submissions_submission_change", args=[submission.pk]))
    read = admin_client.get(reverse("admin:submissions_review_change", args=[review.pk]))

    assert listed.status_code == shown.status_code == read.status_code == 200
    assert len(listed.context["cl"].result_list) == 3
    assert "state" not in shown.context["adminform"].form.fields
    assert "Entre nous seulement" not in read.content.decode()
    assert admin_client.get(reverse("admin:submissions_submission_add")).status_code == 403

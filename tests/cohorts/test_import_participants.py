"""The course-results import, through the service, the command line and the four web steps."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from cohorts.models import Enrolment, EnrolmentChange, ImportJob, ImportRow, Profile
from cohorts.services.imports import ImportRefused, import_path
from malisig.models import User
from tests.conftest import speak
from tests.factories import EnrolmentFactory, ProfileFactory, UserFactory

S = Enrolment.Status
HEADER = "Prénom;Nom;Adresse de courriel;Organisation;Pays;Genre;Note finale;Date d'achèvement"


def french_excel_csv(*lines: str) -> bytes:
    """What French-locale Excel writes: semicolons, CRLF, Windows-1252."""
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp1252")


def write(tmp_path, content: bytes, name="resultats.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.fixture
def results(tmp_path):
    return write(
        tmp_path,
        french_excel_csv(
            "Aïssata;Traoré;aissata@example.org;Orange Mali;Mali;F;15,5;05/09/2023",
            "Sékou;Kéïta;SEKOU@example.org ;AMRTP;Mali;M;9,99;06/09/2023",
            ";;;;;;;",
            "Awa;N’Diaye;pas-un-email;ISOC;Sénégal;F;12;01/09/2023",
            "Awa;Diarra;awa@example.org;ISOC Mali;Mali;F;-;",
        ),
    )


@pytest.fixture
def passing_edition(edition):
    edition.pass_mark = Decimal("10")
    edition.save()
    return edition


def test_eligible_people_are_admitted_and_others_kept_visible_with_the_reason(passing_edition, results):
    with translation.override("en"):
        summary = import_path(passing_edition, results, dry_run=False)

    assert (summary.created, summary.eligible, summary.not_eligible, summary.skipped_empty) == (3, 1, 2, 1)
    assert summary.rejected == [{"line": 5, "reason": "invalid email address: 'pas-un-email'"}]
    statuses = dict(Enrolment.objects.values_list("user__email", "status"))
    assert statuses == {
        "aissata@example.org": S.ADMITTED,
        "sekou@example.org": S.CANDIDATE,
        "awa@example.org": S.CANDIDATE,
    }
    sekou = Enrolment.objects.get(user__email="sekou@example.org")
    assert sekou.grade == Decimal("9.99")
    assert sekou.eligibility_reason
    assert EnrolmentChange.objects.filter(new=S.ADMITTED).count() == 1


def test_text_is_stored_as_typed_with_accents_and_apostrophes(passing_edition, results):
    import_path(passing_edition, results, dry_run=False)

    sekou = User.objects.get(email="sekou@example.org")
    assert (sekou.first_name, sekou.last_name) == ("Sékou", "Kéïta")
    assert sekou.profile.organisation == "AMRTP"
    assert sekou.profile.gender == "male"
    assert not sekou.has_usable_password()


def test_a_dry_run_writes_nothing(passing_edition, results):
    summary = import_path(passing_edition, results, dry_run=True)

    assert summary.created == 3
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(email="aissata@example.org").exists()


def test_importing_the_same_file_again_changes_nothing(passing_edition, results):
    import_path(passing_edition, results, dry_run=False)

    again = import_path(passing_edition, results, dry_run=False)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_changed_grade_updates_and_admits_someone_now_eligible(passing_edition, results, tmp_path):
    import_path(passing_edition, results, dry_run=False)
    regraded = write(tmp_path, french_excel_csv("Sékou;Kéïta;sekou@example.org;AMRTP;Mali;M;10;06/09/2023"), "v2.csv")

    summary = import_path(passing_edition, regraded, dry_run=False)

    assert (summary.created, summary.updated) == (0, 1)
    sekou = Enrolment.objects.get(user__email="sekou@example.org")
    assert (sekou.grade, sekou.status, sekou.eligible) == (Decimal("10"), S.ADMITTED, True)
    assert list(sekou.changes.values_list("old", "new")) == [(S.CANDIDATE, S.ADMITTED)]


def test_a_changed_organisation_updates_the_profile(passing_edition, results, tmp_path):
    import_path(passing_edition, results, dry_run=False)
    moved = write(tmp_path, french_excel_csv("Sékou;Kéïta;sekou@example.org;Sotelma;Mali;M;9,99;06/09/2023"), "v2.csv")

    summary = import_path(passing_edition, moved, dry_run=False)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    profile = Profile.objects.get(user__email="sekou@example.org")
    assert (profile.organisation, profile.folded_organisation, profile.gender) == ("Sotelma", "sotelma", "male")
    assert Enrolment.objects.get(user__email="sekou@example.org").grade == Decimal("9.99")


def test_someone_known_from_another_edition_is_enrolled_with_the_same_account(edition, other_edition, tmp_path):
    known = UserFactory(email="fanta@example.org", first_name="Fanta")
    ProfileFactory(user=known, organisation="ISOC Mali")
    EnrolmentFactory(edition=other_edition, user=known)
    path = write(tmp_path, french_excel_csv("Fanta;Camara;FANTA@example.org;Sotelma;Mali;F;12;"))

    summary = import_path(edition, path, dry_run=False)

    assert summary.created == 1
    assert User.objects.filter(email="fanta@example.org").count() == 1
    assert Enrolment.objects.get(edition=edition).user == known
    assert Profile.objects.get(user=known).organisation == "ISOC Mali"  # a new enrolment leaves the profile


def test_an_account_stored_with_capitals_is_the_same_person(edition, tmp_path):
    (stored,) = User.objects.bulk_create([User(email="Awa.Diarra@Example.org")])  # bulk_create skips save()
    path = write(tmp_path, french_excel_csv("Awa;Diarra;awa.diarra@example.org;ISOC;Mali;F;12;"))

    summary = import_path(edition, path, dry_run=False)

    assert summary.created == 1
    assert User.objects.count() == 1
    assert Enrolment.objects.get().user_id == stored.pk


def test_duplicates_inside_a_file_are_merged_and_reported(edition, tmp_path):
    path = write(
        tmp_path,
        french_excel_csv(
            "Fanta;Camara;fanta@example.org;;Mali;F;12;",
            "Fanta;Camara;FANTA@example.org;Sotelma;;F;14;",
        ),
    )

    summary = import_path(edition, path, dry_run=False)

    assert (summary.created, summary.duplicates_merged) == (1, 1)
    enrolment = Enrolment.objects.select_related("user__profile").get()
    assert enrolment.grade == Decimal("14")
    assert (enrolment.user.profile.organisation, enrolment.user.profile.country) == ("Sotelma", "Mali")


def test_the_command_prints_the_json_contract(edition, results, capsys):
    with translation.override("en"):
        call_command("import_participants", edition.slug, results, "--json", "--pass-mark", "10,5")

    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {
        "created", "updated", "unchanged", "duplicates_merged", "skipped_empty", "eligible", "not_eligible", "rejected",
    }  # fmt: skip
    assert printed["rejected"] == [{"line": 5, "reason": "invalid email address: 'pas-un-email'"}]
    edition.refresh_from_db()
    assert edition.pass_mark == Decimal("10.5")


def test_the_command_refuses_an_unreadable_file_with_one_line(edition, tmp_path):
    path = write(tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "photo.csv")

    with pytest.raises(CommandError) as refused:
        call_command("import_participants", edition.slug, path)

    assert "\n" not in str(refused.value)
    assert not Enrolment.objects.exists()


def test_an_empty_file_is_refused_with_a_reason(edition, tmp_path):
    with pytest.raises(ImportRefused):
        import_path(edition, write(tmp_path, b""), dry_run=False)


@pytest.mark.django_db(transaction=True)
def test_an_organiser_uploads_maps_previews_and_applies(client, organiser, edition):
    client.force_login(organiser)
    upload = SimpleUploadedFile("resultats.csv", french_excel_csv("Aïssata;Traoré;aissata@example.org;;Mali;F;15;"))

    uploaded = client.post(reverse("cohorts:import_start", args=[edition.slug]), {"file": upload})
    job = ImportJob.objects.get()
    mapping_page = client.get(uploaded.url)
    mapping = {name: value for name, value in mapping_page.context["form"].initial.items() if value != ""}
    client.post(uploaded.url, mapping)
    job.refresh_from_db()
    preview_status, preview_created = job.status, job.counts["created"]
    client.post(reverse("cohorts:import_apply", args=[edition.slug, job.pk]))
    job.refresh_from_db()

    assert (preview_status, preview_created) == (ImportJob.Status.PREVIEWED, 1)
    assert job.status == ImportJob.Status.APPLIED
    assert Enrolment.objects.get().user.email == "aissata@example.org"
    assert list(job.rows.values_list("line", "outcome")) == [(2, ImportRow.Outcome.CREATE)]
    edition.refresh_from_db()
    assert edition.import_mapping["email"] == "Adresse de courriel"


def test_an_unreadable_upload_is_refused_next_to_the_field(client, organiser, edition, english):
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:import_start", args=[edition.slug]),
        {"file": SimpleUploadedFile("x.csv", b"\x89PNG\r\n\x1a\n")},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("persona", ["participant", "juror", "other_organiser"])
def test_only_the_editions_organisers_import(client, edition, persona, request):
    client.force_login(request.getfixturevalue(persona))
    upload = SimpleUploadedFile("r.csv", french_excel_csv("A;B;a@example.org;;;;;"))

    page = client.get(reverse("cohorts:import_start", args=[edition.slug]))
    posted = client.post(reverse("cohorts:import_start", args=[edition.slug]), {"file": upload})

    assert (page.status_code, posted.status_code) == (403, 403)
    assert not ImportJob.objects.exists()


def test_an_import_of_another_edition_is_not_found(client, organiser, edition, other_edition):
    job = ImportJob.objects.create(edition=other_edition, file="private/imports/x.csv", original_name="x.csv")
    client.force_login(organiser)

    response = client.get(reverse("cohorts:import_detail", args=[edition.slug, job.pk]))

    assert response.status_code == 404


def test_a_column_chosen_twice_is_refused_next_to_the_field(client, organiser, edition):
    job = ImportJob.objects.create(
        edition=edition, file="private/imports/x.csv", original_name="x.csv", headers=["Email", "Nom"]
    )
    client.force_login(organiser)

    response = client.post(
        reverse("cohorts:import_mapping", args=[edition.slug, job.pk]), {"email": "0", "last_name": "0"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["last_name"]


def test_a_file_larger_than_a_batch_is_imported_whole(edition, tmp_path):
    lines = [f"P{i};N{i};p{i}@example.org;Org;Mali;F;12;" for i in range(2000)]
    path = write(tmp_path, french_excel_csv(*lines))

    summary = import_path(edition, path, dry_run=False)

    assert summary.created == 2000
    assert Enrolment.objects.count() == 2000


def test_reimporting_in_the_other_language_still_changes_nothing(passing_edition, results):
    with translation.override("fr"):
        import_path(passing_edition, results, dry_run=False)

    with translation.override("en"):
        again = import_path(passing_edition, results, dry_run=False)

    assert (again.updated, again.unchanged) == (0, 3)


@pytest.mark.django_db(transaction=True)
def test_the_rejected_lines_download_as_csv_with_their_reasons(client, organiser, edition):
    client.force_login(organiser)
    speak(client, "en")
    upload = SimpleUploadedFile(
        "r.csv", french_excel_csv("=cmd;Traoré;pas-un-email;;;;;", "Awa;Diarra;awa@example.org;;;;;")
    )
    uploaded = client.post(reverse("cohorts:import_start", args=[edition.slug]), {"file": upload})
    client.post(uploaded.url, {"email": "2", "first_name": "0", "last_name": "1"})
    job = ImportJob.objects.get()

    response = client.get(reverse("cohorts:import_rejected_csv", args=[edition.slug, job.pk]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["2;invalid email address: 'pas-un-email'"]


def test_rejection_reasons_are_written_in_french_by_default(passing_edition, results):
    summary = import_path(passing_edition, results, dry_run=False)

    assert summary.rejected[0]["line"] == 5
    assert "pas-un-email" in summary.rejected[0]["reason"]
    assert summary.rejected[0]["reason"] != "invalid email address: 'pas-un-email'"

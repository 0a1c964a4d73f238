"""Media on S3-compatible object storage: every flow that writes, reads, serves or deletes a file, against a bucket.

moto's S3 server runs in a thread on a loopback port (no network, no PostgreSQL or Redis: this runs in the unit
suite). The storage options are the ones malisig/settings.py builds from AWS_* variables, read from a settings
import in a subprocess, then swapped in with override_settings (setting_changed resets Django's cached
default_storage). Each test writes under its own prefix; boto3 lists the bucket to prove the objects are really
there and that nothing landed under MEDIA_ROOT.
"""

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from uuid import uuid4

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer
from PIL import Image
from storages.backends.s3 import S3Storage

from cockpit.models import Certificate, Report
from cohorts.models import Enrolment, ImportJob, Role, Sponsor
from groups.models import Formation, Membership
from submissions.models import ExportFile, GroupFile, ReviewAssignment
from submissions.services import submission as submission_service
from submissions.services.review import review_settings_for
from submissions.services.workspace import ensure_sections, save_section
from tests.cockpit.certificates_fixtures import group_in, participant_in
from tests.cockpit.reports_fixtures import publish, world_fixture  # noqa: F401
from tests.factories import (
    AssignmentFactory,
    AssignmentSettingsFactory,
    EditionRoleFactory,
    GroupFactory,
    MembershipFactory,
    SectionTemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
BUCKET = "malisig-media-test"
KEYS = {"AWS_ACCESS_KEY_ID": "malisig-test", "AWS_SECRET_ACCESS_KEY": "malisig-test-secret"}


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server on a free loopback port, with the bucket created; a boto3 client on it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    request_log = logging.getLogger("werkzeug")
    level = request_log.level
    request_log.setLevel(logging.WARNING)  # one line per S3 request otherwise
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_boto_keys())
        client.create_bucket(Bucket=BUCKET)
        yield endpoint, client
    finally:
        server.stop()
        request_log.setLevel(level)


def _boto_keys() -> dict:
    return {"aws_access_key_id": KEYS["AWS_ACCESS_KEY_ID"], "aws_secret_access_key": KEYS["AWS_SECRET_ACCESS_KEY"]}


@pytest.fixture(scope="module")
def configured_storage(s3):
    """STORAGES["default"] as malisig/settings.py builds it from the environment an operator would write."""
    endpoint, _client = s3
    environment = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    environment.update(
        KEYS,
        DJANGO_SETTINGS_MODULE="malisig.settings",
        PYTHONPATH=str(PROJECT),
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=endpoint,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_S3_ADDRESSING_STYLE="path",
        AWS_LOCATION="malisig/media",
    )
    probe = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class Bucket:
    """What the tests look at in the bucket: the keys under this test's prefix."""

    def __init__(self, client, location: str):
        self.client = client
        self.location = location

    def keys(self, under: str = "") -> list[str]:
        prefix = f"{self.location}/{under}"
        found = self.client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
        return sorted(item["Key"][len(self.location) + 1 :] for item in found)

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=f"{self.location}/{name}")["Body"].read()

    def has(self, name: str) -> bool:
        try:
            self.client.head_object(Bucket=BUCKET, Key=f"{self.location}/{name}")
        except ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return False
            raise
        return True


@pytest.fixture
def bucket(s3, configured_storage, _test_settings, settings):
    """The default storage swapped for the bucket (this test's own prefix) for the test's duration."""
    _endpoint, client = s3
    location = f"{configured_storage['OPTIONS']['location']}/{uuid4().hex[:12]}"
    storage = {**configured_storage, "OPTIONS": {**configured_storage["OPTIONS"], "location": location}}
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
        assert isinstance(default_storage, S3Storage)
        assert default_storage.location == location  # setting_changed really reset the cached default storage
        yield Bucket(client, location)
    assert not isinstance(default_storage, S3Storage)  # and back to the file system afterwards


@pytest.fixture(autouse=True)
def _nothing_under_media_root(settings):
    yield
    root = Path(settings.MEDIA_ROOT)
    assert not root.exists() or not any(path.is_file() for path in root.rglob("*"))


def png_bytes(color: str = "red", size: tuple[int, int] = (6, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def file_url(group_file: GroupFile) -> str:
    group = group_file.group
    return reverse("submissions:group_file", args=[group.edition.slug, group.pk, group_file.pk])


@pytest.fixture
def group(edition):
    assignment = AssignmentFactory(edition=edition)
    SectionTemplateFactory(assignment=assignment, position=1, title_fr="Introduction", title_en="Introduction")
    AssignmentSettingsFactory(
        assignment=assignment,
        deadline=timezone.now() + dt.timedelta(days=2),
        late_cutoff=timezone.now() + dt.timedelta(days=3),
        presentation_required=False,
    )
    Formation.objects.update_or_create(edition=edition, defaults={"published_at": timezone.now()})
    return GroupFactory(edition=edition, name="Secteur privé")


@pytest.fixture
def awa(edition, group):
    user = UserFactory(email="awa@example.org", first_name="Awa", last_name="Traoré")
    EditionRoleFactory(edition=edition, user=user, role=Role.PARTICIPANT)
    MembershipFactory(group=group, user=user, group_role=Membership.GroupRole.COORDINATOR)
    return user


def upload_image(client, group, content: bytes, name: str = "Carte du Mali.png") -> GroupFile:
    url = reverse("submissions:group_images", args=[group.edition.slug, group.pk])
    response = client.post(url, {"file": SimpleUploadedFile(name, content)}, headers={"accept": "application/json"})
    assert response.status_code == 201, response.content
    return GroupFile.objects.get(pk=response.json()["src"].rstrip("/").rsplit("/", 1)[1])


def write_with_image(group, image: GroupFile, by) -> None:
    section = ensure_sections(group)[0]
    save_section(section, f'<p>La carte :</p><p><img src="{file_url(image)}" alt="Carte"></p>', base_version=0, by=by)


# --- The switch itself ------------------------------------------------------------------------------------------


def test_the_settings_built_from_the_environment_keep_objects_private_and_never_overwrite(configured_storage):
    options = configured_storage["OPTIONS"]

    assert configured_storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["location"], options["addressing_style"]) == (
        BUCKET, "malisig/media", "path",
    )  # fmt: skip
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_a_stored_file_is_an_object_in_the_bucket_with_no_public_grant(bucket):
    name = default_storage.save("private/probe.txt", io.BytesIO(b"bonjour"))
    grants = bucket.client.get_object_acl(Bucket=BUCKET, Key=f"{bucket.location}/{name}")["Grants"]

    assert bucket.keys() == [name] and bucket.read(name) == b"bonjour"
    assert not [grant for grant in grants if grant["Grantee"].get("URI", "").endswith("/global/AllUsers")]
    assert default_storage.save("private/probe.txt", io.BytesIO(b"autre")) != name  # a clash draws another name
    assert "X-Amz-Signature=" in default_storage.url(name)


# --- Uploads and downloads through the permission-checked views ----------------------------------------------


def test_a_member_uploads_a_workspace_image_and_reads_it_back_from_the_bucket(client, bucket, group, awa):
    client.force_login(awa)
    content = png_bytes()

    image = upload_image(client, group, content)
    response = client.get(file_url(image))

    assert bucket.keys() == [image.file.name] and image.file.name.startswith("private/groups/")
    assert bucket.read(image.file.name) == content
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == content
    assert int(response["Content-Length"]) == len(content)


def test_a_file_missing_from_the_bucket_is_not_found_rather_than_an_error(client, bucket, group, awa):
    client.force_login(awa)
    image = upload_image(client, group, png_bytes())
    bucket.client.delete_object(Bucket=BUCKET, Key=f"{bucket.location}/{image.file.name}")

    assert client.get(file_url(image)).status_code == 404


@pytest.mark.parametrize("blind", [False, True])
def test_a_juror_sees_the_submitted_texts_image_read_from_the_bucket(client, bucket, edition, group, awa, blind):
    client.force_login(awa)
    content = png_bytes("blue", (8, 6))
    image = upload_image(client, group, content)
    write_with_image(group, image, awa)
    submission_service.submit(group, by=awa, declaration_accepted=True)
    juror = UserFactory(email="juror@example.org")
    EditionRoleFactory(edition=edition, user=juror, role=Role.JUROR)
    ReviewAssignment.objects.create(group=group, juror=juror)
    review_settings = review_settings_for(edition)
    review_settings.blind = blind
    review_settings.save()
    client.force_login(juror)

    response = client.get(reverse("submissions:review_image", args=[edition.slug, group.pk, image.pk]))

    assert response.status_code == 200 and bucket.keys("private/groups/") == [image.file.name]
    data = response.content if blind else b"".join(response.streaming_content)
    if blind:  # redrawn from the pixels read from the bucket
        with Image.open(io.BytesIO(data)) as served:
            assert served.size == (8, 6) and served.getpixel((0, 0)) == (0, 0, 255)
    else:
        assert data == content


def test_an_export_is_built_into_the_bucket_with_its_image_and_downloaded(
    client, bucket, group, awa, django_capture_on_commit_callbacks
):
    client.force_login(awa)
    image = upload_image(client, group, png_bytes("green", (40, 30)))
    write_with_image(group, image, awa)
    url = reverse("submissions:export", args=[group.edition.slug, group.pk, "docx"])

    with django_capture_on_commit_callbacks(execute=True):
        pending = client.get(url)  # queued; the task runs in-process (eager) once committed
    response = client.get(url)

    export = ExportFile.objects.get(group=group)
    assert pending.status_code == 200 and response.status_code == 200
    data = b"".join(response.streaming_content)
    assert export.file.name in bucket.keys("private/exports/") and bucket.read(export.file.name) == data
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        assert any(name.startswith("word/media/") for name in docx.namelist())  # the image came from the bucket
    assert "attachment" in response["Content-Disposition"]


def test_a_certificate_is_issued_into_the_bucket_and_downloaded_by_its_owner(
    client, bucket, edition, organiser, django_capture_on_commit_callbacks
):
    owner = participant_in(edition, "aissata@example.org", first_name="Aïssata", group=group_in(edition))
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cockpit:certificates_issue", args=[edition.slug]), {"kind": "participation"})
    certificate = Certificate.objects.get(user=owner)
    client.force_login(owner)

    response = client.get(reverse("cockpit:certificate_download", kwargs={"slug": edition.slug, "pk": certificate.pk}))

    stored = bucket.read(certificate.file.name)
    assert bucket.keys("private/certificates/") == [certificate.file.name]
    assert stored.startswith(b"%PDF-")  # a real PDF, read from the bucket with boto3
    assert response.status_code == 200 and b"".join(response.streaming_content) == stored


def test_an_import_file_is_kept_in_the_bucket_and_processed_from_there(
    client, bucket, edition, organiser, django_capture_on_commit_callbacks
):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Prénom", "Nom", "Adresse de courriel", "Note finale"])
    workbook.active.append(["Aïssata", "Traoré", "aissata@example.org", 15])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(organiser)

    uploaded = client.post(
        reverse("cohorts:import_start", args=[edition.slug]),
        {"file": SimpleUploadedFile("notes.xlsx", buffer.getvalue())},
    )
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(uploaded.url, {"email": "2", "first_name": "0", "last_name": "1"})
    job.refresh_from_db()
    previewed = job.status
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cohorts:import_apply", args=[edition.slug, job.pk]))
    job.refresh_from_db()

    assert bucket.keys("private/imports/") == [job.file.name] and bucket.read(job.file.name) == buffer.getvalue()
    assert (previewed, job.status, job.error) == (ImportJob.Status.PREVIEWED, ImportJob.Status.APPLIED, "")
    assert Enrolment.objects.get(edition=edition).user.email == "aissata@example.org"


def test_a_replaced_report_version_is_deleted_from_the_bucket(
    client, bucket, world, organiser, django_capture_on_commit_callbacks
):
    def build():
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("cockpit:report_build", args=[world.edition.slug]),
                {"kind": "proceedings", "format": "pdf", "language": "fr"},
            )
        return Report.objects.get()

    client.force_login(organiser)
    first = build()
    download = client.get(reverse("cockpit:report_download", args=[world.edition.slug, first.pk]))
    first_bytes = b"".join(download.streaming_content)

    publish(world.groups["Bravo"])
    newest = build()

    assert first_bytes.startswith(b"%PDF-") and first_bytes != b""
    assert newest.pk != first.pk
    assert not bucket.has(first.file.name)  # the older version's object is gone
    assert bucket.keys("private/reports/") == [newest.file.name]


def test_a_sponsors_logo_on_the_public_page_is_streamed_by_the_app_from_the_private_bucket(client, bucket, edition):
    """Public logos go through the app like every other file: the bucket stays private, visitors never reach it."""
    content = png_bytes("orange")
    sponsor = Sponsor(edition=edition, name="Internet Society", link="https://isoc.org/")
    sponsor.logo.save("isoc.png", io.BytesIO(content))

    page = client.get(reverse("cohorts:edition_public", args=[edition.slug])).content.decode()

    src = page.split('<img src="', 1)[1].split('"', 1)[0]
    assert src == reverse("cohorts:sponsor_logo", args=[edition.slug, sponsor.pk])
    answer = client.get(src)
    assert answer["Content-Type"] == "image/png"
    assert b"".join(answer.streaming_content) == content
    assert bucket.has(sponsor.logo.name)

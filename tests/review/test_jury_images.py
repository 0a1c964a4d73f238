"""The jury reads the group's submitted document with its pictures (submissions:review_image), and nothing of the
group's workspace."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from submissions.models import ConflictOfInterest, GroupFile
from submissions.services.files import upload_file
from tests.submissions.test_group_files import pdf_bytes, png_bytes


@pytest.fixture
def files(groups, coordinator):
    group = groups["secteur-prive"]
    image = upload_file(group, ContentFile(png_bytes(), name="graphe.png"), GroupFile.Role.IMAGE, by=coordinator)
    annex = ContentFile(pdf_bytes(), name="annexe.pdf")
    attachment = upload_file(group, annex, GroupFile.Role.ATTACHMENT, by=coordinator)
    return image, attachment


def file_url(group_file):
    group = group_file.group
    return reverse("submissions:group_file", args=[group.edition.slug, group.pk, group_file.pk])


def test_an_assigned_juror_gets_no_picture_through_the_workspace_files(client, files, assigned):
    """The jury's pages point the submitted text's pictures at submissions:review_image (only what was submitted,
    scrubbed in blind review); the workspace's file address would show the group's drafts and the originals."""
    image, _attachment = files
    client.force_login(assigned[0])

    assert client.get(file_url(image)).status_code == 403


def test_a_juror_gets_no_other_file_of_the_workspace_that_way(client, files, assigned):
    _image, attachment = files
    client.force_login(assigned[0])

    assert client.get(file_url(attachment)).status_code == 403


@pytest.mark.parametrize("who", ["unassigned", "conflicted"])
def test_a_juror_who_may_not_read_the_group_gets_no_picture(client, files, jurors, assigned, groups, who):
    image, _attachment = files
    juror = jurors[0]
    if who == "unassigned":
        assigned[0].review_assignments.all().delete()
    else:
        ConflictOfInterest.objects.create(
            juror=juror, group=groups["secteur-prive"], kind="personal", status=ConflictOfInterest.Status.DECLARED
        )
    client.force_login(juror)

    assert client.get(file_url(image)).status_code == 403


def test_another_groups_member_gets_no_picture(client, files, other_member):
    image, _attachment = files
    client.force_login(other_member)

    assert client.get(file_url(image)).status_code == 403

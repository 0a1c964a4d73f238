"""Where media live, decided by the environment: MEDIA_ROOT by default, a private S3 bucket when one is named.

Each case imports the settings in a subprocess with only the variables given, as gunicorn or Celery would.
"""

import json

import pytest

from .test_settings_from_environment import PRODUCTION, run_manage, run_python

PROBE = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'default': settings.STORAGES['default'], 'media_root': str(settings.MEDIA_ROOT)}))"
)
MINIO = {
    "AWS_STORAGE_BUCKET_NAME": "malisig-media",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "AWS_S3_REGION_NAME": "us-east-1",
    "AWS_ACCESS_KEY_ID": "malisig",
    "AWS_SECRET_ACCESS_KEY": "a-long-secret-key",
    "AWS_LOCATION": "/ecole-bamako/media/",
    "AWS_S3_ADDRESSING_STYLE": "path",
}


def storages(**environment: str) -> dict:
    result = run_python(PROBE, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refusal(**environment: str) -> str:
    result = run_python(PROBE, **environment)
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()[-1]


def test_without_a_bucket_media_stay_on_the_local_disk_as_before():
    assert storages(MEDIA_ROOT="/var/lib/malisig/media") == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "media_root": "/var/lib/malisig/media",
    }


def test_a_bucket_with_an_endpoint_switches_media_to_private_s3_objects():
    assert storages(**MINIO)["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "malisig-media",
            "endpoint_url": "http://127.0.0.1:9000",
            "region_name": "us-east-1",
            "access_key": "malisig",
            "secret_key": "a-long-secret-key",
            "location": "ecole-bamako/media",
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 600,
            "file_overwrite": False,
            "max_memory_size": 5 * 1024 * 1024,
        },
    }


def test_a_bucket_alone_uses_aws_with_the_machines_role_and_no_prefix():
    options = storages(AWS_STORAGE_BUCKET_NAME="malisig-media", AWS_QUERYSTRING_EXPIRE="120")["default"]["OPTIONS"]

    assert (options["endpoint_url"], options["access_key"], options["secret_key"]) == (None, None, None)
    assert (options["location"], options["addressing_style"], options["querystring_expire"]) == ("", None, 120)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"AWS_STORAGE_BUCKET_NAME": "ab"}, "AWS_STORAGE_BUCKET_NAME must be a bucket name"),
        ({"AWS_STORAGE_BUCKET_NAME": "Malisig_Media"}, "AWS_STORAGE_BUCKET_NAME must be a bucket name"),
        ({**MINIO, "AWS_S3_ENDPOINT_URL": "minio:9000"}, "AWS_S3_ENDPOINT_URL must look like https://"),
        ({**MINIO, "AWS_SECRET_ACCESS_KEY": ""}, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"),
        ({**MINIO, "AWS_ACCESS_KEY_ID": ""}, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"),
        ({**MINIO, "AWS_S3_ADDRESSING_STYLE": "dns"}, "AWS_S3_ADDRESSING_STYLE must be path, virtual or auto"),
        ({**MINIO, "AWS_LOCATION": "media/../other"}, "AWS_LOCATION must be a plain prefix"),
        ({**MINIO, "AWS_QUERYSTRING_EXPIRE": "0"}, "AWS_QUERYSTRING_EXPIRE must be a number of seconds above 0"),
        ({**MINIO, "AWS_QUERYSTRING_EXPIRE": "soon"}, "AWS_QUERYSTRING_EXPIRE must be a whole number"),
        ({"AWS_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud"}, "AWS_S3_ENDPOINT_URL is set but AWS_STORAGE_BUCKET"),
        ({"AWS_LOCATION": "malisig"}, "AWS_LOCATION is set but AWS_STORAGE_BUCKET_NAME is not"),
    ],
)
def test_an_inconsistent_storage_configuration_refuses_to_start_naming_the_variable(environment, message):
    line = refusal(**environment)

    assert line.startswith("malisig configuration error: ") and message in line


def test_production_with_media_in_a_bucket_passes_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **MINIO)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout

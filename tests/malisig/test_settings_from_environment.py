"""Start-up from environment variables: run in a subprocess so each case gets a fresh settings import."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "k3y-" + "x7Qz9!pL2#vR8@mN4$wT6^yB1&cF5*hJ0(" * 2,
    "ALLOWED_HOSTS": "malisig.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://malisig.example.org",
    "SITE_URL": "https://malisig.example.org",
}
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'email': settings.EMAIL_BACKEND, 'debug': settings.DEBUG, 'tz': settings.TIME_ZONE, "
    "'lang': settings.LANGUAGE_CODE, 'cache': settings.CACHES['default']['BACKEND']}))"
)


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    clean.update({"DJANGO_SETTINGS_MODULE": "malisig.settings", "PYTHONPATH": str(ROOT)}, **environment)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def run_manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    return run_python(
        f"import sys; sys.argv = ['manage.py', *{list(args)!r}]; "
        "from django.core.management import execute_from_command_line; execute_from_command_line(sys.argv)",
        **environment,
    )


def test_with_no_variable_set_the_app_uses_sqlite_eager_tasks_console_email_and_debug():
    result = run_python(PROBE)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "db": "django.db.backends.sqlite3",
        "eager": True,
        "email": "django.core.mail.backends.console.EmailBackend",
        "debug": True,
        "tz": "Africa/Bamako",
        "lang": "fr",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
    }


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_broker():
    result = run_python(
        PROBE, DATABASE_URL="postgres://postgres@127.0.0.1:5432/malisig", REDIS_URL="redis://127.0.0.1:6379/0"
    )

    probed = json.loads(result.stdout)
    assert probed["db"] == "django.db.backends.postgresql"
    assert probed["eager"] is False
    assert probed["cache"] == "malisig.cache.FailSoftRedisCache"


def test_email_url_configures_smtp():
    code = "import django; from django.conf import settings as s; print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"

    result = run_python(code, EMAIL_URL="smtp://mailer:s%40cret@smtp.example.org:587/?tls=True")

    assert result.stdout.split() == ["smtp.example.org", "587", "True"]


def test_debug_off_without_secret_key_refuses_to_start_with_one_line_naming_the_variable():
    result = run_manage("check", DEBUG="False", ALLOWED_HOSTS="malisig.example.org")

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "malisig configuration error: SECRET_KEY must be set when DEBUG is off"
    ]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nosuchdb://somewhere"),
        ("REDIS_URL", "127.0.0.1:6379"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("LANGUAGE_CODE", "de"),
        ("CSRF_TRUSTED_ORIGINS", "malisig.example.org"),
        ("EMAIL_URL", "pigeon://loft"),
    ],
)
def test_an_invalid_value_stops_start_up_naming_the_variable(variable, value):
    result = run_manage("check", **{variable: value})

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert variable in lines[0]


def test_check_deploy_with_production_variables_reports_no_issues():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_makes_email_verification_mandatory_and_cookies_secure():
    code = (
        "import django; from django.conf import settings as s; "
        "print(s.ACCOUNT_EMAIL_VERIFICATION, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )

    result = run_python(code, **PRODUCTION)

    assert result.stdout.split() == ["mandatory", "True", "True", "31536000"]


def test_production_sends_hsts_redirects_to_https_and_forbids_framing_and_inline_script():
    code = (
        "import django; from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD,"
        " s.LANGUAGE_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY,"
        " s.SECURE_CONTENT_TYPE_NOSNIFF,"
        " 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])"
    )

    result = run_python(code, **PRODUCTION)

    assert result.stdout.split() == [*["True"] * 5, "DENY", "same-origin", "True", "True", "[\"'self'\"]"]


def test_rate_limits_come_from_the_environment_and_a_bad_one_stops_start_up():
    code = "import django; from django.conf import settings as s; print(s.RATE_LIMITS, s.ACCOUNT_RATE_LIMITS)"

    result = run_python(code, AUTOSAVE_RATE_LIMIT="60/1m", PASSWORD_RESET_RATE_LIMIT="10/5m/ip,3/5m/key")
    refused = run_python(code, UPLOAD_RATE_LIMIT="thirty a minute")

    assert "'autosave': '60/1m'" in result.stdout
    assert "'upload': '30/10m'" in result.stdout
    assert "'reset_password': '10/5m/ip,3/5m/key'" in result.stdout
    assert refused.returncode != 0
    assert "UPLOAD_RATE_LIMIT" in refused.stderr

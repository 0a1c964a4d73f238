"""The deployment files say what docs/deploy.md says, checked without Docker or systemd.

Dockerfile, docker-compose.yml (read without a YAML library; fully parsed too when PyYAML happens to be
importable), .dockerignore, the systemd units, the proxies' configurations and the backup scripts.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT / "deploy"
VENV_BIN = "/srv/malisig/venv/bin/"
COMPOSE_SERVICES = {"web", "worker", "beat", "db", "redis", "proxy"}


def read(relative: str) -> str:
    return (PROJECT / relative).read_text(encoding="utf-8")


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", read("Dockerfile"))
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


# --- Dockerfile -----------------------------------------------------------------------------------------------


def test_the_image_is_python_3_11_slim():
    froms = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "FROM"]
    assert froms, "no FROM"
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?( AS \w+)?", froms[-1], re.IGNORECASE), froms[-1]


def test_the_image_installs_the_pinned_requirements():
    runs = " ".join(arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN")
    assert re.search(r"pip install\b[^&;]*-r requirements\.txt", runs)
    requirements = [
        line.split("#")[0].strip()
        for line in read("requirements.txt").splitlines()
        if line.split("#")[0].strip() and not line.startswith("-")
    ]
    unpinned = [line for line in requirements if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line)]
    assert not unpinned, f"requirements.txt must pin every version: {unpinned}"


def test_static_files_are_collected_at_build_with_a_throwaway_key():
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert collect, "collectstatic must run at build time"
    assert "SECRET_KEY=" in collect[0]
    assert "DEBUG=False" in collect[0], "DEBUG=False builds whitenoise's hashed manifest"


def test_the_container_runs_as_a_non_root_user():
    instructions = dockerfile_instructions()
    users = [(index, arguments) for index, (keyword, arguments) in enumerate(instructions) if keyword == "USER"]
    assert users, "no USER instruction: the container would run as root"
    index, user = users[-1]
    assert user.split(":")[0] not in ("root", "0")
    cmd_index = max(i for i, (keyword, _) in enumerate(instructions) if keyword in ("CMD", "ENTRYPOINT"))
    assert index < cmd_index


def test_the_container_serves_gunicorn_and_checks_healthz():
    instructions = dict(dockerfile_instructions())
    assert "gunicorn malisig.wsgi" in instructions["CMD"]
    assert "deploy/healthcheck.py" in instructions["HEALTHCHECK"]
    assert '"/healthz"' in read("deploy/healthcheck.py")


def test_dockerignore_keeps_secrets_and_local_data_out_of_the_image():
    ignored = {line.strip() for line in read(".dockerignore").splitlines() if line.strip()}
    assert {".env", ".git", ".venv", "db.sqlite3", "media", "staticfiles", "backups"} <= ignored
    assert "deploy" not in ignored, "the image needs deploy/ (health check, backup scripts)"


# --- docker-compose.yml ----------------------------------------------------------------------------------------


def compose_service_blocks() -> dict[str, str]:
    """A YAML-free reading: each key two spaces under the top-level `services:` and its indented text."""
    blocks: dict[str, list[str]] = {}
    current = None
    in_services = False
    for line in read("docker-compose.yml").splitlines():
        if re.match(r"^\S", line):
            in_services = line.rstrip() == "services:"
            current = None
            continue
        if not in_services:
            continue
        match = re.match(r"^  ([A-Za-z0-9_.-]+):\s*$", line)
        if match:
            current = match.group(1)
            blocks[current] = []
        elif current:
            blocks[current].append(line)
    return {name: "\n".join(lines) for name, lines in blocks.items()}


def test_compose_defines_the_whole_stack():
    blocks = compose_service_blocks()
    assert set(blocks) >= COMPOSE_SERVICES
    assert re.search(r"image: postgres:15\b", blocks["db"])
    assert re.search(r"image: redis:7\b", blocks["redis"])
    assert re.search(r"image: (caddy|nginx)\b", blocks["proxy"])
    assert "gunicorn malisig.wsgi" in blocks["web"]
    assert re.search(r'"celery", "-A", "malisig", "worker"', blocks["worker"])
    assert re.search(r'"celery", "-A", "malisig", "beat"', blocks["beat"])
    assert "./deploy/Caddyfile:" in blocks["proxy"]
    assert "reverse_proxy web:8000" in read("deploy/Caddyfile")


def test_compose_keeps_secrets_out_of_the_file():
    text = read("docker-compose.yml")
    assert "${SECRET_KEY:?" in text
    assert "${POSTGRES_PASSWORD:?" in text
    assert 'DEBUG: "False"' in text


def test_compose_parses_and_its_references_hold():
    import yaml

    compose = yaml.safe_load(read("docker-compose.yml"))
    services = compose["services"]
    assert set(services) >= COMPOSE_SERVICES
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on") or {}:
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (PROJECT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in compose["volumes"], f"{name} uses undeclared volume {source}"
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].endswith("@db:5432/malisig")
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in services["web"], "gunicorn is reached through the proxy only"


# --- systemd and nginx -----------------------------------------------------------------------------------------


def unit(name: str) -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "systemd" / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), value.strip())
    return values


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("malisig-web.service", "gunicorn malisig.wsgi"),
        ("malisig-worker.service", "celery -A malisig worker"),
        ("malisig-beat.service", "celery -A malisig beat"),
    ],
)
def test_each_systemd_unit_runs_its_command_from_the_venv(name, command):
    values = unit(name)
    program, _, arguments = values["ExecStart"].partition(" ")
    assert program.startswith(VENV_BIN), values["ExecStart"]
    assert f"{Path(program).name} {arguments}".startswith(command)
    assert values["User"] == "malisig"
    assert values["WorkingDirectory"] == "/srv/malisig/app"
    assert values["EnvironmentFile"] == "/etc/malisig/malisig.env"
    assert values["Restart"] == "on-failure"


def test_the_web_unit_listens_where_nginx_sends_requests():
    assert "--bind 127.0.0.1:8000" in unit("malisig-web.service")["ExecStart"]
    nginx = read("deploy/nginx/malisig.conf")
    assert "server 127.0.0.1:8000" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert "client_max_body_size" in nginx


def test_the_env_example_sets_what_production_requires():
    keys = {
        line.split("=", 1)[0]
        for line in read("deploy/systemd/malisig.env.example").splitlines()
        if "=" in line and not line.startswith("#")
    }
    required = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "BEHIND_HTTPS_PROXY"}
    assert required | {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_URL"} <= keys


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_units_are_valid_systemd_syntax():
    units = sorted(str(path) for path in (DEPLOY / "systemd").glob("malisig-*.*"))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    # The programs live on the server, not here, and containers lack parts of systemd: only syntax errors count.
    syntax = re.compile(r"unknown (key|section|lvalue)|invalid|failed to parse|missing '='|bad-setting", re.IGNORECASE)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if syntax.search(line)]
    assert not problems, problems


# --- Scripts and guides ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_backup_scripts_are_executable_bash(script):
    path = DEPLOY / script
    assert os.access(path, os.X_OK), f"chmod +x deploy/{script}"
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(path)], check=True, timeout=30)


def test_the_guides_cover_the_files_they_describe():
    deploy = read("docs/deploy.md")
    for needle in [
        "deploy/systemd/malisig-web.service",
        "deploy/nginx/malisig.conf",
        "deploy/Caddyfile",
        "docker compose",
        "/healthz",
        "certbot",
        "collectstatic",
        "migrate",
        "journalctl",
        "django-storages",
        VENV_BIN,
    ]:
        assert needle in deploy, needle
    backups = read("docs/backups.md")
    for needle in ["deploy/backup.sh", "deploy/restore.sh", "--force", "manifest.txt", "malisig-backup.timer"]:
        assert needle in backups, needle

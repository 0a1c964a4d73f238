"""Back up, wipe, restore, compare: deploy/backup.sh and deploy/restore.sh on a real PostgreSQL.

The demo is seeded into a throwaway database (malisig_backup_<random>, dropped at the end) with a few
extra media files; the scripts run as an operator would run them, in subprocesses.
"""

import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[2]
EXTRA_MEDIA = {
    "private/groups/extra-notes.txt": "Notes du groupe — brouillon\n".encode(),
    "private/groups/deux mots/présentation.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 40,
    "logos/logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
}


def _fail_or_skip(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        _fail_or_skip("the backup drill needs DATABASE_URL pointing at PostgreSQL (see docs/backups.md)")
    missing = [tool for tool in ("psql", "pg_dump", "pg_restore", "tar", "sha256sum") if not shutil.which(tool)]
    if missing:
        _fail_or_skip(f"the backup drill needs {', '.join(missing)} (apt-get install postgresql-client)")
    return url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(server_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


@pytest.fixture
def throwaway(server_url, tmp_path):
    name = f"malisig_backup_{secrets.token_hex(4)}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield name, _with_database(server_url, name)
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str, media_root: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "EMAIL_URL", "EMAIL_HOST")}
    # No broker: the demo's tasks run in-process and nothing is left queued for another test's worker.
    env.update(
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEBUG="True",
        PYTHON=sys.executable,
    )
    return env


def _run(args, env, check=True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def _row_counts(database_url: str) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        return {
            table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables
        }


def _checksums(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _manifest_tables(backup: Path) -> dict[str, int]:
    lines = (backup / "tables.tsv").read_text(encoding="utf-8").splitlines()
    return {name: int(rows) for name, rows in (line.split("\t") for line in lines)}


def _manifest_files(backup: Path) -> dict[str, str]:
    lines = (backup / "media.sha256").read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}


def test_backup_wipe_restore_gives_back_every_row_and_every_file(throwaway, server_url, tmp_path):
    name, database_url = throwaway
    media = tmp_path / "media"
    env = _env(database_url, media)
    python = sys.executable

    _run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    _run([python, "manage.py", "seed_demo"], env)
    for relative, content in EXTRA_MEDIA.items():
        (media / relative).parent.mkdir(parents=True, exist_ok=True)
        (media / relative).write_bytes(content)
    counts_before = _row_counts(database_url)
    files_before = _checksums(media)
    assert counts_before["malisig_user"] > 40, "the demo was not seeded"
    assert set(EXTRA_MEDIA) <= set(files_before)

    backed_up = _run(["bash", "deploy/backup.sh", str(tmp_path / "backups")], env)
    backup = Path(backed_up.stdout.strip().splitlines()[-1])
    assert backup.parent == tmp_path / "backups"
    assert backup.name.startswith("malisig-")
    assert {"database.pgdump", "media.tar.gz", "tables.tsv", "media.sha256", "manifest.txt", "SHA256SUMS"} <= {
        path.name for path in backup.iterdir()
    }
    assert _manifest_tables(backup) == counts_before
    assert _manifest_files(backup) == files_before
    manifest = (backup / "manifest.txt").read_text(encoding="utf-8")
    assert "database kind: postgresql" in manifest
    assert f"rows: {sum(counts_before.values())}" in manifest

    # Wipe: a new empty database under the same name, no media folder.
    _admin(server_url, f'DROP DATABASE "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    shutil.rmtree(media)
    assert _row_counts(database_url) == {}

    restored = _run(["bash", "deploy/restore.sh", str(backup)], env)
    assert "Restore verified" in restored.stderr

    assert _row_counts(database_url) == _manifest_tables(backup)
    assert _checksums(media) == _manifest_files(backup)
    # The application works on the restored copy: nothing to migrate, and sequences continue past the old ids.
    _run([python, "manage.py", "migrate", "--check", "--no-input"], env)
    _run(
        [python, "manage.py", "shell", "-c",
         "from malisig.models import User; User.objects.create_user(email='after-restore@example.org', password=None)"],
        env,
    )  # fmt: skip
    assert _row_counts(database_url)["malisig_user"] == counts_before["malisig_user"] + 1

    # A second restore over the now non-empty database is refused without --force, and changes nothing.
    refused = _run(["bash", "deploy/restore.sh", str(backup)], env, check=False)
    assert refused.returncode != 0
    assert "is not empty" in refused.stderr
    assert _row_counts(database_url)["malisig_user"] == counts_before["malisig_user"] + 1

    # --force replaces it: back to the backup's counts; the old media folder is moved aside, not deleted.
    _run(["bash", "deploy/restore.sh", "--force", str(backup)], env)
    assert _row_counts(database_url) == counts_before
    assert _checksums(media) == files_before
    assert [path.name for path in tmp_path.glob("media.replaced-*")]

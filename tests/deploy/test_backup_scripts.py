"""deploy/backup.sh and deploy/restore.sh on a small SQLite database: the round trip, the refusals, the checks.

The PostgreSQL drill with the demo is tests/integration/test_backup_restore.py.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "tar", "gzip", "sha256sum")),
    reason="the backup scripts need bash, tar, gzip and sha256sum (GNU coreutils)",
)


@pytest.fixture
def site(tmp_path):
    database = tmp_path / "site" / "db.sqlite3"
    media = tmp_path / "site" / "media"
    (media / "private" / "groups").mkdir(parents=True)
    (media / "private" / "groups" / "note de groupe.txt").write_text("Bonjour\n", encoding="utf-8")
    (media / "logos").mkdir()
    (media / "logos" / "logo.png").write_bytes(bytes(range(256)))
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE people (name TEXT)")
        db.execute('CREATE TABLE "odd ""name" (x INTEGER)')
        db.executemany("INSERT INTO people VALUES (?)", [("Awa",), ("Sékou",), ("Mariam",)])
        db.execute('INSERT INTO "odd ""name" VALUES (1)')
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "MEDIA_ROOT", "BACKUP_DIR")}
    env.update(DATABASE_URL=f"sqlite:///{database}", MEDIA_ROOT=str(media), PYTHON=sys.executable)
    return {"database": database, "media": media, "env": env, "backups": tmp_path / "backups"}


def run(script, *args, env, check=True):
    result = subprocess.run(
        ["bash", f"deploy/{script}", *map(str, args)], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def backup(site, *args) -> Path:
    return Path(run("backup.sh", *args, site["backups"], env=site["env"]).stdout.strip().splitlines()[-1])


def rows(database: Path) -> list:
    with sqlite3.connect(database) as db:
        return sorted(db.execute("SELECT name FROM people"))


def test_backup_writes_the_database_the_media_and_a_manifest(site):
    folder = backup(site)

    assert folder.parent == site["backups"]
    assert sorted(path.name for path in folder.iterdir()) == [
        "SHA256SUMS", "database.sqlite3", "manifest.txt", "media.sha256", "media.tar.gz", "tables.tsv",
    ]  # fmt: skip
    assert (folder / "tables.tsv").read_text(encoding="utf-8") == 'odd "name\t1\npeople\t3\n'
    listed = sorted(line.split("  ", 1)[1] for line in (folder / "media.sha256").read_text().splitlines())
    assert listed == ["logos/logo.png", "private/groups/note de groupe.txt"]
    manifest = (folder / "manifest.txt").read_text(encoding="utf-8")
    assert "database kind: sqlite" in manifest
    assert "rows: 4" in manifest
    assert "media files: 2" in manifest
    assert oct(folder.stat().st_mode & 0o777) == "0o700"


def test_restore_into_an_empty_place_gives_everything_back(site):
    folder = backup(site)
    before = rows(site["database"])
    site["database"].unlink()
    shutil.rmtree(site["media"])

    result = run("restore.sh", folder, env=site["env"])

    assert "Restore verified: 2 tables, 4 rows and 2 media files" in result.stderr
    assert rows(site["database"]) == before
    assert (site["media"] / "private" / "groups" / "note de groupe.txt").read_text(encoding="utf-8") == "Bonjour\n"
    assert (site["media"] / "logos" / "logo.png").read_bytes() == bytes(range(256))


def test_restore_refuses_a_database_with_data_unless_forced(site):
    folder = backup(site)
    with sqlite3.connect(site["database"]) as db:
        db.execute("INSERT INTO people VALUES ('Arrivée après la sauvegarde')")
    shutil.rmtree(site["media"])

    refused = run("restore.sh", folder, env=site["env"], check=False)

    assert refused.returncode != 0
    assert "is not empty" in refused.stderr
    assert len(rows(site["database"])) == 4
    assert not site["media"].exists()

    run("restore.sh", "--force", folder, env=site["env"])

    assert len(rows(site["database"])) == 3
    kept_aside = list(site["database"].parent.glob("db.sqlite3.replaced-*"))
    assert len(kept_aside) == 1
    assert len(rows(kept_aside[0])) == 4


def test_restore_refuses_a_media_folder_with_files_unless_forced(site):
    folder = backup(site)
    site["database"].unlink()

    refused = run("restore.sh", folder, env=site["env"], check=False)

    assert refused.returncode != 0
    assert "media folder" in refused.stderr
    assert not site["database"].exists()


def test_a_damaged_backup_is_not_restored(site):
    folder = backup(site)
    with (folder / "media.tar.gz").open("ab") as archive:
        archive.write(b"corruption")
    site["database"].unlink()
    shutil.rmtree(site["media"])

    refused = run("restore.sh", folder, env=site["env"], check=False)

    assert refused.returncode != 0
    assert "damaged" in refused.stderr
    assert not site["database"].exists()


def test_keep_prunes_the_oldest_backups_only(site):
    site["backups"].mkdir()
    for stamp in ("20240101T000000Z", "20240102T000000Z"):
        old = site["backups"] / f"malisig-{stamp}"
        old.mkdir()
        (old / "manifest.txt").write_text("old\n")
    unrelated = site["backups"] / "notes"
    unrelated.mkdir()

    newest = backup(site, "--keep", "2")

    remaining = sorted(path.name for path in site["backups"].iterdir())
    assert remaining == sorted([newest.name, "malisig-20240102T000000Z", "notes"])


def test_env_file_is_read_without_shell_expansion_and_the_environment_wins(site, tmp_path):
    env_file = tmp_path / "malisig.env"
    env_file.write_text(
        "# comment\n"
        "DEFAULT_FROM_EMAIL=MaliSIG <no-reply@example.org>\n"
        f'MEDIA_ROOT="{site["media"]}"\n'
        "DATABASE_URL=sqlite:////nonexistent/ignored.sqlite3\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in site["env"].items() if key != "MEDIA_ROOT"}

    folder = Path(run("backup.sh", "--env-file", env_file, site["backups"], env=env).stdout.strip().splitlines()[-1])

    manifest = (folder / "manifest.txt").read_text(encoding="utf-8")
    assert f"media root: {site['media']}" in manifest
    assert f"database: sqlite:///{site['database']}" in manifest

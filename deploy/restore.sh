#!/usr/bin/env bash
# MaliSIG restore: puts a folder written by deploy/backup.sh back into an EMPTY database and an
# empty (or missing) media folder, then checks every table's row count and every file's checksum
# against the backup's manifest.
#
#   deploy/restore.sh [--env-file FILE] [--force] BACKUP_FOLDER
#
# Target: DATABASE_URL and MEDIA_ROOT, read like the application does. For PostgreSQL the database
# must exist (createdb -O malisig malisig) and hold no table; for SQLite the file must be missing or
# empty. Stop the web, worker and beat processes first.
# --force restores over a database or media folder that is not empty: the tables of the database
# are dropped, an existing SQLite file and media folder are moved aside (<name>.replaced-<time>).
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/lib.sh
. "$PROJECT_DIR/deploy/lib.sh"

force=no
backup=""
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) load_env_file "${2:?--env-file needs a file}"; shift 2 ;;
    --force) force=yes; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$backup" ] || die "one backup folder only"; backup="$1"; shift ;;
  esac
done
[ -n "$backup" ] || die "which backup? deploy/restore.sh [--force] BACKUP_FOLDER"
[ -f "$backup/manifest.txt" ] && [ -f "$backup/SHA256SUMS" ] || die "$backup is not a MaliSIG backup (no manifest.txt or SHA256SUMS)"
backup="$(cd "$backup" && pwd)"
require_tools sha256sum tar gzip

say "Checking the backup's own checksums"
(cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) || die "$backup is damaged: a checksum does not match"
manifest_value() { sed -n "s/^$1: //p" "$backup/manifest.txt" | head -n 1; }
backup_kind="$(manifest_value 'database kind')"
database_file="$(manifest_value 'database file')"

resolve_database
resolve_media_root
[ "$backup_kind" = "$DB_KIND" ] || die "this backup holds a $backup_kind database, DATABASE_URL points at $DB_KIND"

# 1. Refuse before touching anything.
case "$DB_KIND" in
  postgresql)
    require_tools psql pg_restore
    existing="$(psql "$DB_URL" -X -A -t -q -v ON_ERROR_STOP=1 -c "SELECT count(*) FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')")" ||
      die "cannot connect to $DB_LABEL (create the empty database first: createdb -O <owner> <name>)"
    database_has_data=$([ "$existing" -gt 0 ] && echo yes || echo no)
    ;;
  sqlite)
    database_has_data=no
    if [ -s "$DB_PATH" ]; then
      tables="$("$PYTHON" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM sqlite_master").fetchone()[0])' "$DB_PATH")"
      [ "$tables" -gt 0 ] && database_has_data=yes
    fi
    ;;
esac
media_has_files=no
if [ -d "$MEDIA_ROOT" ] && [ -n "$(find "$MEDIA_ROOT" -mindepth 1 -print -quit)" ]; then
  media_has_files=yes
fi
if [ "$force" = no ]; then
  [ "$database_has_data" = no ] || die "the database $DB_LABEL is not empty: restore into an empty one, or add --force to replace it"
  [ "$media_has_files" = no ] || die "the media folder $MEDIA_ROOT is not empty: restore into an empty one, or add --force to move it aside"
fi

# 2. Clear the way (only with --force).
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
if [ "$database_has_data" = yes ]; then
  case "$DB_KIND" in
    postgresql)
      say "--force: dropping every table, view and sequence of $DB_LABEL"
      psql "$DB_URL" -X -q -v ON_ERROR_STOP=1 <<'SQL'
DO $$
DECLARE item record;
BEGIN
  FOR item IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm', 'r', 'p', 'f', 'S')
    ORDER BY CASE c.relkind WHEN 'v' THEN 0 WHEN 'm' THEN 1 WHEN 'S' THEN 3 ELSE 2 END
  LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
      CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
        WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
      item.relname);
  END LOOP;
END $$;
SQL
      ;;
    sqlite)
      say "--force: moving $DB_PATH aside to $DB_PATH.replaced-$stamp"
      mv -- "$DB_PATH" "$DB_PATH.replaced-$stamp"
      ;;
  esac
fi
if [ "$media_has_files" = yes ]; then
  aside="$MEDIA_ROOT.replaced-$stamp"
  say "--force: moving $MEDIA_ROOT aside to $aside"
  if [ "$(stat -c %d "$MEDIA_ROOT")" = "$(stat -c %d "$(dirname "$MEDIA_ROOT")")" ]; then
    mv -- "$MEDIA_ROOT" "$aside"
  else
    # A mount point (a Docker volume, an NFS share) cannot be moved: move what it holds instead.
    mkdir -p -- "$aside"
    find "$MEDIA_ROOT" -mindepth 1 -maxdepth 1 -exec mv -t "$aside" -- {} +
  fi
fi

# 3. Restore.
say "Restoring the database into $DB_LABEL"
case "$DB_KIND" in
  postgresql)
    pg_restore --no-owner --no-acl --exit-on-error --single-transaction --dbname="$DB_URL" "$backup/$database_file"
    ;;
  sqlite)
    mkdir -p "$(dirname "$DB_PATH")"
    rm -f -- "$DB_PATH" "$DB_PATH-journal" "$DB_PATH-wal" "$DB_PATH-shm"
    cp -- "$backup/$database_file" "$DB_PATH.restoring"
    mv -- "$DB_PATH.restoring" "$DB_PATH"
    ;;
esac
say "Restoring the media files into $MEDIA_ROOT"
mkdir -p "$MEDIA_ROOT"
tar -xzf "$backup/media.tar.gz" -C "$MEDIA_ROOT" --no-same-owner

# 4. Verify against the manifest.
say "Comparing with the manifest"
counts="$(mktemp)"
trap 'rm -f "$counts"' EXIT
count_rows "${DB_PATH:-}" >"$counts"
if ! diff -u --label "backup $backup/tables.tsv" --label "restored $DB_LABEL" "$backup/tables.tsv" "$counts" >&2; then
  die "the restored row counts differ from the backup's (above)"
fi
if [ -s "$backup/media.sha256" ]; then
  (cd "$MEDIA_ROOT" && sha256sum --check --quiet --strict "$backup/media.sha256") ||
    die "restored media files differ from the backup's checksums"
fi
tables="$(wc -l <"$counts" | tr -d ' ')"
rows="$(awk -F '\t' '{ total += $2 } END { print total + 0 }' "$counts")"
files="$(wc -l <"$backup/media.sha256" | tr -d ' ')"
say "Restore verified: $tables tables, $rows rows and $files media files match the manifest of $backup."
say "Next: run 'manage.py migrate' if the code is newer than the backup ($(manifest_value 'code commit')), then start the services."

#!/usr/bin/env bash
# MaliSIG backup: the database (pg_dump -Fc, or a SQLite online copy) and the media folder (tar.gz),
# into a new timestamped folder with a manifest: row counts per table and a checksum per file.
#
#   deploy/backup.sh [--env-file FILE] [--keep N] [DEST_DIR]
#
# Reads DATABASE_URL and MEDIA_ROOT like the application does (same defaults: the SQLite file
# db.sqlite3 and the media/ folder next to manage.py). Variables already set in the environment
# win over the env file. DEST_DIR defaults to $BACKUP_DIR, else <project>/backups.
# --keep N deletes all but the N newest complete backups in DEST_DIR (default: $BACKUP_KEEP, else keep all).
#
# The folder it writes, malisig-YYYYMMDDTHHMMSSZ/:
#   database.pgdump | database.sqlite3   the database
#   media.tar.gz                          MEDIA_ROOT, paths relative to it
#   tables.tsv                            "<table>\t<rows>" for every table, counted in the dump's own snapshot
#   media.sha256                          "<sha256>  <path>" for every media file (sha256sum -c format)
#   manifest.txt                          what, when, where from, totals
#   SHA256SUMS                            checksums of the five files above (restore.sh checks them first)
# A backup is written under a ".partial" name and renamed only when complete.
set -euo pipefail
umask 077

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=deploy/lib.sh
. "$PROJECT_DIR/deploy/lib.sh"

dest=""
keep="${BACKUP_KEEP:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) load_env_file "${2:?--env-file needs a file}"; shift 2 ;;
    --keep) keep="${2:?--keep needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) dest="$1"; shift ;;
  esac
done
dest="${dest:-${BACKUP_DIR:-$PROJECT_DIR/backups}}"
if [ -n "$keep" ] && ! [[ "$keep" =~ ^[1-9][0-9]*$ ]]; then
  die "--keep must be a whole number of at least 1, not '$keep'"
fi

resolve_database
resolve_media_root
require_tools sha256sum tar gzip

mkdir -p "$dest"
for _ in 1 2 3; do
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  name="malisig-$stamp"
  final="$dest/$name"
  [ -e "$final" ] || break
  sleep 1  # two backups in the same second: the second one waits for a new name
done
[ -e "$final" ] && die "$final already exists"
work="$dest/.$name.partial"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

say "Backing up the $DB_KIND database to $final"
case "$DB_KIND" in
  postgresql)
    require_tools psql pg_dump
    database_file="database.pgdump"
    # One REPEATABLE READ transaction exports its snapshot: pg_dump dumps that snapshot and the row
    # counts are taken inside it, so the manifest matches the dump even while the site is in use.
    psql "$DB_URL" -X -A -t -q -c 'SELECT 1' >/dev/null || die "cannot connect to $DB_LABEL"
    coproc SNAP { psql "$DB_URL" -X -A -t -q -v ON_ERROR_STOP=1 -F $'\t' 2>&1; }
    # Own copies of the pipes: bash closes the coproc's as soon as psql exits, possibly before all is read.
    exec {snap_in}>&"${SNAP[1]}" {snap_out}<&"${SNAP[0]}"
    printf '%s\n' "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" "SELECT pg_export_snapshot();" >&"$snap_in"
    IFS= read -r -t 60 snapshot <&"$snap_out" || die "could not open a snapshot on the database"
    [[ "$snapshot" =~ ^[0-9A-F-]+$ ]] || die "could not open a snapshot on the database: $snapshot"
    pg_dump --format=custom --snapshot="$snapshot" --file="$work/$database_file" "$DB_URL"
    {
      printf '%s\n' "$PG_COUNT_QUERY"
      printf '%s\n' "\\gexec" "\\echo __malisig_end__" "COMMIT;" "\\q"
    } >&"$snap_in"
    : >"$work/tables.tsv"
    counted=no
    while IFS= read -r -t 600 line <&"$snap_out"; do
      if [ "$line" = "__malisig_end__" ]; then
        counted=yes
        break
      fi
      [[ "$line" == *$'\t'* ]] || die "could not count rows: $line"
      printf '%s\n' "$line" >>"$work/tables.tsv"
    done
    exec {snap_in}>&- {snap_out}<&-
    [ "$counted" = yes ] || die "could not count the rows of every table"
    wait "${SNAP_PID:-}" 2>/dev/null || true
    engine_version="$(psql "$DB_URL" -X -A -t -q -c 'SHOW server_version')"
    tool_version="$(pg_dump --version)"
    ;;
  sqlite)
    database_file="database.sqlite3"
    [ -f "$DB_PATH" ] || die "the SQLite database $DB_PATH does not exist"
    # The online backup API copies a consistent database even while it is written to;
    # the counts are then read from the copy itself.
    "$PYTHON" - "$DB_PATH" "$work/$database_file" <<'PY'
import sqlite3
import sys

source, target = sys.argv[1:3]
with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
    src.backup(dst)
PY
    count_rows "$work/$database_file" >"$work/tables.tsv"
    engine_version="SQLite $("$PYTHON" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
    tool_version="python sqlite3 backup API"
    ;;
esac

say "Archiving the media folder $MEDIA_ROOT"
file_list="$work/.media-files"
if [ -d "$MEDIA_ROOT" ]; then
  (cd "$MEDIA_ROOT" && find . -type f -print0 | LC_ALL=C sort -z) >"$file_list"
else
  say "  (no media folder yet: the archive is empty)"
  : >"$file_list"
fi
if [ -s "$file_list" ]; then
  (cd "$MEDIA_ROOT" && xargs -0 sha256sum --) <"$file_list" | sed 's#  \./#  #' >"$work/media.sha256"
  tar -C "$MEDIA_ROOT" --null --files-from="$file_list" -czf "$work/media.tar.gz"
else
  : >"$work/media.sha256"
  tar -czf "$work/media.tar.gz" --files-from=/dev/null
fi
rm -f "$file_list"

tables="$(wc -l <"$work/tables.tsv" | tr -d ' ')"
rows="$(awk -F '\t' '{ total += $2 } END { print total + 0 }' "$work/tables.tsv")"
files="$(wc -l <"$work/media.sha256" | tr -d ' ')"
media_bytes=0
if [ -d "$MEDIA_ROOT" ]; then
  media_bytes="$(find "$MEDIA_ROOT" -type f -printf '%s\n' | awk '{ total += $1 } END { print total + 0 }')"
fi
commit="$(git -C "$PROJECT_DIR" rev-parse HEAD 2>/dev/null || echo unknown)"
{
  echo "format: malisig-backup 1"
  echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: ${HOSTNAME:-$(uname -n)}"
  echo "code commit: $commit"
  echo "database kind: $DB_KIND"
  echo "database: $DB_LABEL"
  echo "database server: $engine_version"
  echo "dumped with: $tool_version"
  echo "database file: $database_file"
  echo "tables: $tables"
  echo "rows: $rows"
  echo "media root: $MEDIA_ROOT"
  echo "media files: $files"
  echo "media bytes: $media_bytes"
} >"$work/manifest.txt"
(cd "$work" && sha256sum -- "$database_file" media.tar.gz tables.tsv media.sha256 manifest.txt >SHA256SUMS)

chmod 700 "$work"
mv "$work" "$final"
trap - EXIT
say "Done: $tables tables, $rows rows, $files media files -> $final"

if [ -n "$keep" ]; then
  mapfile -t old < <(find "$dest" -mindepth 1 -maxdepth 1 -type d -name 'malisig-????????T??????Z' -printf '%f\n' |
    LC_ALL=C sort -r | tail -n +"$((keep + 1))")
  for folder in "${old[@]}"; do
    [ -f "$dest/$folder/manifest.txt" ] || continue
    say "Removing the old backup $dest/$folder (keeping the $keep newest)"
    rm -rf -- "${dest:?}/$folder"
  done
fi
printf '%s\n' "$final"

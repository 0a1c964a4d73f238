# Shared by deploy/backup.sh and deploy/restore.sh (sourced, not run).
# shellcheck shell=bash

say() { printf '%s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (Debian: apt-get install postgresql-client for psql, pg_dump, pg_restore)"
  done
}

# KEY=value lines, like systemd's EnvironmentFile and docker compose's env_file: no shell expansion,
# so values with spaces or <> (DEFAULT_FROM_EMAIL=MaliSIG <no-reply@...>) are fine. Optional
# surrounding quotes are removed. A variable already set in the environment wins over the file.
load_env_file() {
  local file="$1" line key value
  [ -r "$file" ] || die "cannot read the env file $file"
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in '' | '#'*) continue ;; esac
    line="${line#export }"
    key="${line%%=*}"
    value="${line#*=}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
      value="${BASH_REMATCH[1]}"
    fi
    [ -n "${!key+set}" ] && continue
    export "$key=$value"
  done <"$file"
}

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$PROJECT_DIR/.venv/bin/python" ]; then
    PYTHON="$PROJECT_DIR/.venv/bin/python"
  else
    PYTHON="$(command -v python3 || true)"
  fi
fi

# Sets DB_KIND (postgresql|sqlite), DB_URL (libpq URI) or DB_PATH, and DB_LABEL (no password).
resolve_database() {
  local url="${DATABASE_URL:-sqlite:///$PROJECT_DIR/db.sqlite3}" rest
  case "$url" in
    postgres://* | postgresql://* | pgsql://* | postgis://*)
      DB_KIND=postgresql
      DB_URL="postgresql://${url#*://}"
      DB_LABEL="$(printf '%s' "$DB_URL" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"
      ;;
    sqlite://*)
      DB_KIND=sqlite
      rest="${url#sqlite://}"
      rest="${rest#/}"
      rest="${rest%%\?*}"
      [ -n "$rest" ] && [ "$rest" != ":memory:" ] || die "DATABASE_URL points at an in-memory SQLite database: nothing to back up"
      case "$rest" in /*) DB_PATH="$rest" ;; *) DB_PATH="$PROJECT_DIR/$rest" ;; esac
      DB_LABEL="sqlite:///$DB_PATH"
      [ -n "$PYTHON" ] || die "python3 is needed for SQLite databases"
      ;;
    *) die "DATABASE_URL must start with postgres:// or sqlite:// (got ${url%%://*}://...)" ;;
  esac
}

resolve_media_root() {
  MEDIA_ROOT="${MEDIA_ROOT:-$PROJECT_DIR/media}"
  MEDIA_ROOT="${MEDIA_ROOT%/}"
  [ -n "$MEDIA_ROOT" ] || die "MEDIA_ROOT cannot be /"
}

# "<table>\t<rows>" for every table of the database, sorted by name.
PG_COUNT_QUERY="SELECT format('SELECT %L, count(*) FROM %I.%I', table_name, table_schema, table_name)
  FROM information_schema.tables
  WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"

count_rows() {
  case "$DB_KIND" in
    postgresql)
      printf '%s\n\\gexec\n' "$PG_COUNT_QUERY" | psql "$DB_URL" -X -A -t -q -v ON_ERROR_STOP=1 -F $'\t'
      ;;
    sqlite)
      "$PYTHON" - "$1" <<'PY'
import sqlite3
import sys

with sqlite3.connect(sys.argv[1]) as db:
    names = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )]
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        print(f"{name}\t{db.execute(f'SELECT count(*) FROM {quoted}').fetchone()[0]}")
PY
      ;;
  esac
}

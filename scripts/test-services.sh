#!/usr/bin/env bash
# Makes sure the servers the tests need answer on loopback, installing and starting them when
# they are missing, and prints the environment the tests read (KEY=value lines).
#  - PostgreSQL: uses one on 127.0.0.1:5432 when it answers (trust auth, user postgres);
#    otherwise installs Debian's postgresql when absent and starts a private cluster.
#  - Chromium for the browser tests (Playwright drives Debian's build through its
#    executable path; `playwright install` cannot download here): installs Debian's chromium
#    when /usr/bin/chromium is missing.
set -euo pipefail
log() { echo "test-services: $*" >&2; }

PG_PORT_SHARED=${DATONG_TEST_PG_PORT:-5432}
PG_PORT_PRIVATE=54329
PG_DIR=${DATONG_TEST_PG_DIR:-/tmp/datong-test-pg}

pg_answers() {  # $1 = port
  "$(dirname "$0")/../.venv/bin/python" - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(f"postgresql://postgres@127.0.0.1:{sys.argv[1]}/postgres", connect_timeout=3).close()
PY
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_postgres() {
  log "PostgreSQL binaries missing: installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

start_private_cluster() {
  local bin; bin=$(pg_bindir)
  [ -n "$bin" ] || { install_postgres; bin=$(pg_bindir); }
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$PG_DIR" postgres
    as=(runuser -u postgres --)
  fi
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in $PG_DIR"
    mkdir -p "$PG_DIR"; [ ${#as[@]} -gt 0 ] && chown postgres "$PG_DIR"
    "${as[@]}" "$bin/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2
  fi
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT_PRIVATE"
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -o \
    "-p $PG_PORT_PRIVATE -c listen_addresses=127.0.0.1 -k /tmp -c fsync=on -c max_connections=200" \
    start >&2
}

ensure_chromium() {
  local browser=${DATONG_TEST_CHROMIUM:-/usr/bin/chromium}
  if [ ! -x "$browser" ]; then
    log "Chromium missing: installing Debian's chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium >&2
  fi
  [ -x "$browser" ] || { log "no Chromium at $browser"; exit 1; }
  # Screenshots need a font with Chinese glyphs; a small one is enough.
  if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    log "no Chinese font: installing Debian's fonts-wqy-microhei for the screenshots"
    apt-get install -y -qq fonts-wqy-microhei >&2 || log "could not install a Chinese font"
  fi
  echo "DATONG_TEST_CHROMIUM=$browser"
}
ensure_chromium

if [ -n "${DATONG_TEST_PG_URL:-}" ]; then
  echo "DATONG_TEST_PG_URL=$DATONG_TEST_PG_URL"; exit 0
fi
if pg_answers "$PG_PORT_SHARED"; then
  port=$PG_PORT_SHARED
elif pg_answers "$PG_PORT_PRIVATE"; then
  port=$PG_PORT_PRIVATE
else
  start_private_cluster; port=$PG_PORT_PRIVATE
  pg_answers "$port" || { log "PostgreSQL did not answer on $port"; exit 1; }
fi
log "PostgreSQL answers on 127.0.0.1:$port"
echo "DATONG_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"

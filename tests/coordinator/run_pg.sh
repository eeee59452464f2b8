#!/usr/bin/env bash
# Runs the coordinator integration suite against a private PostgreSQL 15
# cluster: initdb in a temp dir, a server listening only on a Unix socket in
# that dir (so no TCP port can collide), a fresh database, then the suite
# with COORD_DATABASE_URL. The cluster is stopped and removed on exit.
# As root, the cluster runs as the `postgres` user (initdb refuses root).
#   usage: run_pg.sh COORDINATOR_BINARY TEST_BINARY
set -euo pipefail
bin=$1 test=$2
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$pgbin/initdb" ] || { echo "run_pg.sh: $pgbin/initdb missing (Debian package postgresql; make deps)"; exit 1; }
dir=$(mktemp -d /tmp/coordpg-XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=5432   # names the socket file only: listen_addresses is empty
stop() {
  as_pg "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
as_pg "$pgbin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log"; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w \
  -o "-k $dir -p $port -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$dir/pg.log"; exit 1; }
as_pg "$pgbin/createdb" -h "$dir" -p "$port" -U postgres coordinator
COORD_DATABASE_URL="postgresql://postgres@/coordinator?host=$dir&port=$port" COORD_BIN="$bin" "$test"

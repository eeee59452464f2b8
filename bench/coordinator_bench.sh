#!/usr/bin/env bash
# make bench-coordinator: the coordinator under load on loopback, side by
# side in one run:
#   reads   GET /health (the floor: no storage) and GET /public/stats
#           (aggregates over the history) with wrk, on SQLite and PostgreSQL
#   cycle   create -> poll -> claim -> complete (bench/coordinator_cycle.c,
#           keep-alive clients) on SQLite and on PostgreSQL
# Prints req/s, jobs/s, p99 latency and the ratios. Short runs (the machine
# is shared); BENCH_NICE=1 runs everything under nice (not for numbers you
# report). BASELINE_BIN=OLD_BINARY also runs the job cycle with an older
# coordinator binary, alternating old/new per backend, for a side-by-side
# before/after. Knobs: BENCH_SECONDS (default 8), BENCH_THREADS
# (client threads for the cycle, default 8), WRK_CONNS (default 32),
# COORD_THREADS (the coordinator's --threads; default: its own default),
# BENCH_CYCLE_ONLY=1 (only the job cycle, no wrk reads; each PostgreSQL run
# on a fresh database), BENCH_BACKENDS
# ("sqlite postgres" by default; either alone, with BENCH_CYCLE_ONLY=1).
# Each cycle line also gives CPU per job of the load generator, the
# coordinator and (PostgreSQL) the server processes, empty lease attempts
# of long polls per job, and (PostgreSQL) WAL syncs per job; with
# BENCH_PG_STATEMENTS=1 also the statements PostgreSQL ran per job
# (pg_stat_statements, loaded into the bench's private cluster), and
# (PostgreSQL) the coordinator's group commits of two or more transactions
# per job and their mean size (all statements count, so the figure includes
# the warm-up requests; PG_COMMIT_GROUPS=0 in the environment turns grouping
# off for a comparison).
#   usage: coordinator_bench.sh COORDINATOR_BINARY CYCLE_DRIVER
set -euo pipefail
bin=$1 driver=$2
secs=${BENCH_SECONDS:-8} threads=${BENCH_THREADS:-8} conns=${WRK_CONNS:-32}
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
nice=${BENCH_NICE:+nice}
root=$(mktemp -d /tmp/coordbench-XXXXXX)
chmod 711 "$root"   # the postgres user must reach $root/pg
pid=""
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -d "$root/pg/data" ] && as_pg "$pgbin/pg_ctl" -D "$root/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT

# a fake module to cache: the cycle runs WasmUrl requests for its hash
head -c 4096 /dev/urandom > "$root/a.wasm"
sha=$(sha256sum "$root/a.wasm" | cut -c1-64)

start() { # $1 = name, rest = extra args; sets pid, base, token ($bin: the binary)
  local name=$1; shift
  # PostgreSQL: every run but the first gets a fresh database of its own, so
  # a baseline binary never meets a schema migrated by a newer one (it would
  # refuse it) and each run starts from empty tables
  if [ "$name" != postgres ] && [[ "$*" == *"--database=postgresql://postgres@/bench?"* ]]; then
    local db=bench_${name//-/_}
    as_pg "$pgbin/createdb" -h "$root/pg" -U postgres "$db"
    set -- "${@/\/bench\?//$db?}"
  fi
  token=$("$bin" --data-dir="$root/$name" "$@" token add "bench-$name" 2>/dev/null)
  LOG_LEVEL=warn $nice "$bin" --host=127.0.0.1 --port=0 --data-dir="$root/$name" ${COORD_THREADS:+--threads=$COORD_THREADS} "$@" \
    > "$root/$name.out" 2> "$root/$name.log" &
  pid=$!
  for _ in $(seq 100); do grep -q '^listening port=' "$root/$name.out" 2>/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$(sed -n 's/^listening port=//p' "$root/$name.out")"
  curl -sf -H "Authorization: Bearer $token" -F checksum="$sha" -F repo_url=bench -F commit_hash=bench \
    -F wasm_file=@"$root/a.wasm" "$base/wasm/upload" > /dev/null
}
stop() { kill "$pid"; wait "$pid" || true; pid=""; }

wrk_run() { # $1 = url -> "req/s p99_ms"
  $nice wrk -t2 -c"$conns" -d"${secs}s" --latency "$1" > "$root/wrk.txt"
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$root/wrk.txt")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' "$root/wrk.txt")
  echo "$rps $p99"
}

# CPU seconds (user+system) used so far by the coordinator and, on
# PostgreSQL, by every server process: the cost per job that does not
# depend on how busy the shared machine is.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{t += $14 + $15} END {printf "%.3f", t / hz}' "$@" 2>/dev/null || echo 0; }
pg_pids() { # this cluster's postmaster and its children (backends, WAL writer, ...)
  local pm; pm=$(head -1 "$root/pg/data/postmaster.pid" 2>/dev/null) || return 0
  { echo "$pm"; pgrep -P "$pm"; } | sed 's#.*#/proc/&/stat#' | tr '\n' ' '
}
pgq() { as_pg "$pgbin/psql" -h "$root/pg" -U postgres -d bench -Atc "$1" 2>/dev/null; }
wal_syncs() { pgq "SELECT wal_sync FROM pg_stat_wal" || echo 0; }
# BENCH_PG_STATEMENTS=1: statements PostgreSQL executed per job (pg_stat_statements; BEGIN and COMMIT count)
pg_statements() {
  pgq "SELECT COALESCE(sum(calls), 0) FROM pg_stat_statements WHERE dbid IN (SELECT oid FROM pg_database WHERE
       datname LIKE 'bench%') AND query NOT LIKE '%pg_stat%'" || echo 0
}
cycle_run() { # -> the driver's line plus server_cpu_ms_per_job (and postgres_cpu_ms_per_job)
  local c0 c1 d0 d1 line pgs=""
  [ "$1" = pg ] && pgs=$(pg_pids)
  c0=$(cpu_of /proc/$pid/stat); d0=$( [ -n "$pgs" ] && cpu_of $pgs || echo 0)
  local w0=0 w1=0 # PostgreSQL: WAL flushes (fsync calls) during the run
  [ "$1" = pg ] && w0=$(wal_syncs)
  local q1=""
  [ "$1" = pg ] && [ -n "${BENCH_PG_STATEMENTS:-}" ] && pgq "SELECT pg_stat_statements_reset()" > /dev/null
  line=$($nice "$driver" "$base" "$token" "$sha" "$secs" "$threads")
  [ "$1" = pg ] && pgs=$(pg_pids) && w1=$(wal_syncs) # backends started during the run count too
  [ "$1" = pg ] && [ -n "${BENCH_PG_STATEMENTS:-}" ] && q1=$(pg_statements)
  c1=$(cpu_of /proc/$pid/stat); d1=$( [ -n "$pgs" ] && cpu_of $pgs || echo 0)
  # lease attempts of long polls that found nothing (woken for work another poll took)
  local metrics miss groups grouped
  metrics=$(curl -s "$base/metrics")
  miss=$(awk '$1 == "outlayer_poll_lease_misses_total" {print $2}' <<< "$metrics")
  # PostgreSQL group commit: groups of two or more per job, and their mean size
  groups=$(awk '$1 == "outlayer_pg_commit_groups_total" {print $2}' <<< "$metrics")
  grouped=$(awk '$1 == "outlayer_pg_grouped_statements_total" {print $2}' <<< "$metrics")
  awk -v l="$line" -v c="$c1" -v c0="$c0" -v d="$d1" -v d0="$d0" -v pg="$1" -v miss="${miss:-0}" -v w0="$w0" -v w1="$w1" -v q1="$q1" \
      -v gg="${groups:-0}" -v gs="${grouped:-0}" 'BEGIN {
    split(l, f, " "); n = f[2]; if (n < 1) n = 1
    printf "%s poll_misses_per_job %.2f server_cpu_ms_per_job %.3f", l, miss / n, (c - c0) * 1000 / n
    if (pg == "pg") printf " postgres_cpu_ms_per_job %.3f wal_syncs_per_job %.2f", (d - d0) * 1000 / n, (w1 - w0) / n
    if (pg == "pg") printf " commit_groups_per_job %.2f statements_per_group %.1f", gg / n, (gg > 0 ? gs / gg : 0)
    if (q1 != "") printf " statements_per_job %.2f", q1 / n
    printf "\n" }'
}

declare -A R
run_backend() { # $1 = label, rest = args
  local label=$1; shift
  start "$label" "$@"
  if [ -n "${BENCH_CYCLE_ONLY:-}" ]; then
    local k=sq; [ "$label" = postgres ] && k=pg
    echo "$label new:      $(cycle_run $k) load $(cut -d' ' -f1 /proc/loadavg)"
    stop
    if [ -n "${BASELINE_BIN:-}" ]; then
      bin=$BASELINE_BIN start "$label-old" "$@"
      echo "$label baseline: $(cycle_run $k) load $(cut -d' ' -f1 /proc/loadavg)"
      stop
      start "$label-new2" "$@"
      echo "$label new:      $(cycle_run $k) load $(cut -d' ' -f1 /proc/loadavg)"
      stop
    fi
    return
  fi
  read -r R[$label,health] R[$label,health_p99] < <(wrk_run "$base/health")
  read -r R[$label,stats] R[$label,stats_p99] < <(wrk_run "$base/public/stats")
  local line kind=sq
  [ "$label" = postgres ] && kind=pg
  line=$(cycle_run $kind)
  R[$label,cycle]=$(awk '{print $6}' <<< "$line")
  R[$label,cycle_p99]=$(awk '{print $10}' <<< "$line")
  R[$label,cycle_line]=$line
  # /public/stats again, now over a history of thousands of jobs
  read -r R[$label,stats2] R[$label,stats2_p99] < <(wrk_run "$base/public/stats")
  stop
  if [ -n "${BASELINE_BIN:-}" ]; then
    # the same cycle with the baseline binary on a fresh database, then the
    # new one once more, so drift in the machine's load shows
    bin=$BASELINE_BIN start "$label-old" "$@"
    R[$label,old_line]=$(cycle_run $kind)
    stop
    start "$label-new2" "$@"
    R[$label,new2_line]=$(cycle_run $kind)
    stop
  fi
}

echo "coordinator benchmark: ${secs}s per run, wrk -t2 -c$conns, $threads cycle clients, $(nproc) cores"
backends=${BENCH_BACKENDS:-sqlite postgres}
if [ -z "${BENCH_CYCLE_ONLY:-}" ] && [ "$backends" != "sqlite postgres" ]; then
  echo "coordinator_bench.sh: BENCH_BACKENDS needs BENCH_CYCLE_ONLY=1 (the full table compares both)" >&2
  exit 2
fi
case " $backends " in *" sqlite "*) run_backend sqlite;; esac
case " $backends " in *" postgres "*) ;; *) [ -n "${BENCH_CYCLE_ONLY:-}" ] && exit 0;; esac
mkdir -p "$root/pg" && { [ "$(id -u)" != 0 ] || chown postgres "$root/pg"; }
as_pg "$pgbin/initdb" -D "$root/pg/data" -A trust -U postgres --no-sync > /dev/null
as_pg "$pgbin/pg_ctl" -D "$root/pg/data" -l "$root/pg/log" -w \
  -o "-k $root/pg -p 5432 -c listen_addresses='' -c max_connections=100 ${PG_OPTS:-} \
      ${BENCH_PG_STATEMENTS:+-c shared_preload_libraries=pg_stat_statements}" start > /dev/null
as_pg "$pgbin/createdb" -h "$root/pg" -U postgres bench
[ -n "${BENCH_PG_STATEMENTS:-}" ] && pgq "CREATE EXTENSION pg_stat_statements" > /dev/null
case " $backends " in *" postgres "*) run_backend postgres --database="postgresql://postgres@/bench?host=$root/pg&port=5432";; esac
[ -n "${BENCH_CYCLE_ONLY:-}" ] && exit 0

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-44s %12s %12s %10s\n' "measurement" "SQLite" "PostgreSQL" "PG/SQLite"
for k in health stats stats2; do
  case $k in
    health) name="GET /health req/s";;
    stats) name="GET /public/stats req/s (empty history)";;
    stats2) name="GET /public/stats req/s (after the cycle run)";;
  esac
  printf '%-44s %12.0f %12.0f %10s\n' "$name" "${R[sqlite,$k]}" "${R[postgres,$k]}" "$(ratio "${R[postgres,$k]}" "${R[sqlite,$k]}")"
  printf '%-44s %12s %12s\n' "  p99 ms" "${R[sqlite,${k}_p99]}" "${R[postgres,${k}_p99]}"
done
printf '%-44s %12.0f %12.0f %10s\n' "job cycle jobs/s (create+poll+claim+complete)" "${R[sqlite,cycle]}" "${R[postgres,cycle]}" \
  "$(ratio "${R[postgres,cycle]}" "${R[sqlite,cycle]}")"
printf '%-44s %12s %12s\n' "  p99 cycle ms" "${R[sqlite,cycle_p99]}" "${R[postgres,cycle_p99]}"
echo
echo "sqlite cycle:   ${R[sqlite,cycle_line]}"
echo "postgres cycle: ${R[postgres,cycle_line]}"
echo "ratio /public/stats to /health (SQLite): $(ratio "${R[sqlite,stats]}" "${R[sqlite,health]}")"
if [ -n "${BASELINE_BIN:-}" ]; then
  echo
  echo "before/after (job cycle; a fresh data dir and database each; order: new, baseline, new):"
  for b in sqlite postgres; do
    echo "$b new:      ${R[$b,cycle_line]}"
    echo "$b baseline: ${R[$b,old_line]}"
    echo "$b new:      ${R[$b,new2_line]}"
  done
fi

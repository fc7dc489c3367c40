#!/usr/bin/env bash
# Starts a fresh antrian service (new database, its own Redis), runs the
# load tool against it with baselines measured in the same run, and writes
# the reports to testout/bench/. With no argument it runs every scenario;
# `one`, `district`, `rate`, `bookings`, `growth`, `screens`, `idle` or
# `cluster` runs one (growth and cluster only when named); `--smoke` runs a
# few seconds of small load (CI), failing on any invariant violation.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-full}
out=testout/bench
mkdir -p "$out"
admin_url=${ANTRIAN_TEST_DATABASE_URL:-$(./scripts/test-deps.sh)}
base=${admin_url%%\?*}
db_url="${base%/*}/antrian_bench_$$${admin_url#"$base"}"
# Below the kernel's ephemeral ports (32768 and up), which the load tool's
# thousands of connections take: a port there may already be in use.
port=$((20000 + RANDOM % 12000))
redis_port=$((port + 1))
work=$(mktemp -d)
cleanup() {
  [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true
  # Redis opens its log file for every line, so it must have exited before
  # the directory goes, or its shutdown lines recreate the file under rm.
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  for pid in ${cluster_app:-} ${cluster_pids[@]:-}; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS antrian_bench_$$ WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/antrian" ./cmd/antrian
go build -o "$work/antrian-load" ./cmd/antrian-load
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!

export DATABASE_URL="$db_url" REDIS_URL="redis://127.0.0.1:$redis_port/0" ANTRIAN_ADDR="127.0.0.1:$port" \
  ANTRIAN_RATE_BOOKING_PER_ADDR=0 ANTRIAN_RATE_BOOKING_PER_PERSON=0 ANTRIAN_LOG_LEVEL=warn ANTRIAN_NOTIFY_WORKER=false
"$work/antrian" seed --demo --district 45 >/dev/null
# A district admin runs every facility's queue.
echo 'bench-password-123' | "$work/antrian" user add --username bench --role admin --password-stdin >/dev/null
"$work/antrian" serve 2>"$work/serve.log" &
app_pid=$!
# up waits for the service at ANTRIAN_ADDR (pid $1, log $2) to answer, and
# stops the bench with its log if it does not: a run against no service
# measures nothing.
up() {
  for _ in $(seq 1 300); do "$work/antrian" healthcheck 2>/dev/null && return 0; kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  echo "bench: the service did not start; its log:" >&2
  cat "$2" >&2
  exit 1
}
up "$app_pid" "$work/serve.log"

# Runs without staff book on LOKET and FARMASI only: their tickets stay
# waiting, and the runs with staff (which call every ticket they booked on
# the other units, and check that) never meet them.
# load_url, load_pid and load_redis_pid point it at another instance.
load() {
  ANTRIAN_LOAD_PASSWORD=bench-password-123 "$work/antrian-load" -url "${load_url:-http://127.0.0.1:$port}" -user bench \
    -db "$db_url" -service-pid "${load_pid:-$app_pid}" -redis-pid "${load_redis_pid:-$redis_pid}" "$@"
}

one() {
  echo "== one Puskesmas: bookings as fast as they go, calls (each ticket finished), 100 screens, 100 phones"
  load -facility sobo -units LOKET,UMUM,GIGI,KIA,LAB,FARMASI -bookings 3000 -patients 32 -staff 6 -screens 100 -trackers 100 -out "$out/one-facility.json"
}
district() {
  echo "== a district (45 Puskesmas): bookings as fast as they go, calls, 90 screens, 90 phones"
  load -district 45 -bookings 12000 -patients 32 -staff 32 -screens 90 -trackers 90 -out "$out/district.json"
}
rate() {
  echo "== a district at 1,000 bookings a second: latency, bookings alone, then with calls and screens"
  load -district 45 -units LOKET,FARMASI -bookings 15000 -rate 1000 -patients 64 -staff 0 -screens 0 -trackers 0 -out "$out/rate1000-bookings.json"
  load -district 45 -bookings 10000 -rate 1000 -patients 64 -staff 32 -screens 90 -trackers 90 -out "$out/rate1000.json"
}
bookings() {
  echo "== bookings only, 45 Puskesmas: one client, then 32"
  load -district 45 -units LOKET,FARMASI -bookings 6000 -patients 1 -staff 0 -screens 0 -trackers 0 -out "$out/bookings1.json"
  load -district 45 -units LOKET,FARMASI -bookings 12000 -patients 32 -staff 0 -screens 0 -trackers 0 -out "$out/bookings32.json"
}
growth() {
  echo "== bookings as the line grows: three runs of 15,000 at 1,000/s on the same units, nobody called"
  for i in 1 2 3; do
    load -district 45 -units LOKET,FARMASI -bookings 15000 -rate 1000 -patients 64 -staff 0 -screens 0 -trackers 0 -out "$out/growth$i.json"
  done
}
screens() {
  echo "== call to every screen with 10,000 connected screens"
  load -facility sobo -bookings 120 -rate 1 -patients 2 -staff 1 -screens 10000 -trackers 0 -retry-share 0 -timeout 10m -out "$out/screens10k.json"
  echo "== the same, screens asking for calls first and a coalesced board (coalesce=1, as the TV page does)"
  load -facility sobo -bookings 120 -rate 1 -patients 2 -staff 1 -screens 10000 -trackers 0 -retry-share 0 -timeout 10m -coalesce -out "$out/screens10k-coalesce.json"
}
idle() {
  echo "== memory per idle WebSocket connection"
  load -facility sobo -bookings 10 -patients 2 -staff 1 -screens 1 -trackers 0 -idle 10000 -out "$out/idle10k.json"
}
cluster() {
  echo "== the same bookings and calls through one Redis, then a Redis Cluster of 3 masters (each with a replica), then one Redis again"
  local nodes=() i p
  cluster_pids=()
  for i in 0 1 2 3 4 5; do
    p=$((7130 + i))
    mkdir -p "$work/cluster$i"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf --save "" \
      --appendonly no --dir "$work/cluster$i" --logfile "$work/cluster$i/redis.log" &
    cluster_pids+=($!)
    nodes+=("127.0.0.1:$p")
  done
  for i in $(seq 1 50); do redis-cli -p 7135 ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
  for p in 7130 7131 7132 7133 7134 7135; do
    for i in $(seq 1 100); do redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1; done
  done
  local cport=$((port + 2))
  REDIS_URL='' REDIS_CLUSTER_ADDRS=$(IFS=,; echo "${nodes[*]}") ANTRIAN_ADDR="127.0.0.1:$cport" \
    "$work/antrian" serve 2>"$work/serve-cluster.log" &
  cluster_app=$!
  ANTRIAN_ADDR="127.0.0.1:$cport" up "$cluster_app" "$work/serve-cluster.log"
  local args=(-district 45 -bookings 4000 -patients 32 -staff 32 -screens 45 -trackers 0)
  load "${args[@]}" -out "$out/redis-single.json"
  load_url="http://127.0.0.1:$cport" load_pid=$cluster_app load_redis_pid=0 load "${args[@]}" -out "$out/redis-cluster.json"
  load "${args[@]}" -out "$out/redis-single-again.json" # the database grew meanwhile: single Redis once more
}
case "$mode" in
--smoke) load -district 3 -bookings 300 -patients 8 -staff 6 -screens 12 -trackers 12 -baseline 1s -out "$out/smoke.json" ;;
one | district | rate | bookings | growth | screens | idle | cluster) "$mode" ;;
*) idle; one; district; rate; bookings; screens ;; # idle first: on a fresh heap
esac
if grep -q "panic\|DATA RACE" "$work/serve.log"; then
  cat "$work/serve.log" >&2
  exit 1
fi

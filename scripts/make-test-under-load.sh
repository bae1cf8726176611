#!/usr/bin/env bash
# Issue #13 item 6: `make test` on fresh clones, RUNS times in a row, while another client holds
# HOLD connections on the machine's shared PostgreSQL (127.0.0.1:5432 by default).
#
#   sh scripts/make-test-under-load.sh [RUNS=3] [HOLD=80]
#
# Each run clones this repository's HEAD (as it is when the run starts) into a new directory under $LOAD_DIR (default
# /tmp/paymux-under-load) and runs `make test` there; the holder is psql sessions sleeping in
# pg_sleep, checked before every run. Prints one line per run (exit code, minutes, pytest's summary)
# and exits non-zero if any run failed.
set -u
RUNS=${1:-3}
HOLD=${2:-80}
SHARED_PG=${SHARED_PG:-postgresql://postgres@127.0.0.1:5432/postgres}
LOAD_DIR=${LOAD_DIR:-/tmp/paymux-under-load}
REPO=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
mkdir -p "$LOAD_DIR"

holders=""
for i in $(seq "$HOLD"); do
  psql "$SHARED_PG" -qAt -c "select pg_sleep(86400)" >/dev/null 2>&1 &
  holders="$holders $!"
done
release() {  # a backend in pg_sleep does not notice its client has gone: end it too
  kill $holders 2>/dev/null
  psql "$SHARED_PG" -qAt -c "select count(pg_terminate_backend(pid)) from pg_stat_activity where query like 'select pg_sleep(86400)%'" >/dev/null
}
trap release EXIT
trap 'exit 130' INT TERM
sleep 3
held() { psql "$SHARED_PG" -qAt -c "select count(*) from pg_stat_activity where query like 'select pg_sleep(86400)%'"; }
echo "holding $(held) connections on $SHARED_PG (max_connections $(psql "$SHARED_PG" -qAt -c 'show max_connections'))"

failed=0
for run in $(seq "$RUNS"); do
  rev=$(git -C "$REPO" rev-parse --short HEAD)  # each run takes HEAD as it is when the run starts
  clone="$LOAD_DIR/run-$run-$rev"
  rm -rf "$clone" && git clone -q "$REPO" "$clone"
  echo "run $run at $rev: $(held) connections held; $clone"
  start=$(date +%s)
  (cd "$clone" && make test) >"$clone.log" 2>&1
  code=$?
  minutes=$(( ($(date +%s) - start) / 60 ))
  summary=$(grep -E '^=+ .*(passed|failed|error).* =+$' "$clone.log" | tail -1)
  echo "run $run: exit $code in ${minutes} min: $summary"
  [ "$code" -eq 0 ] || failed=1
done
exit $failed

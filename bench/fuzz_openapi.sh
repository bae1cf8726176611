#!/usr/bin/env bash
# `make proof`: schemathesis, with every check, against /openapi.json of a running `paymux demo`,
# bounded in time. Exits non-zero when schemathesis finds a server error or an answer that contradicts
# the schema (status, content type, headers, body), or when the server logged a traceback.
#   bash bench/fuzz_openapi.sh [seconds]        default 240 (or PROOF_SECONDS); reports in test-output/proof/
# schemathesis comes from the `proof` extra: pip install -e '.[proof]' (make proof does it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${PROOF_SECONDS:-240}}"
schemathesis=.venv/bin/schemathesis
[ -x "$schemathesis" ] || { echo "schemathesis is missing: run make proof, or .venv/bin/pip install -e '.[proof]'" >&2; exit 2; }
data=$(mktemp -d)
reports=test-output/proof
mkdir -p "$reports"
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
PAYMUX_DATA_DIR="$data" .venv/bin/paymux demo --port "$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; cp "$data/server.log" "$reports/server.log" || true; rm -rf "$data"' EXIT
for _ in $(seq 150); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
credentials=$(.venv/bin/python -c 'import json; from paymux.demo import DEMO_IMP_KEY as k, DEMO_IMP_SECRET as s; print(json.dumps({"imp_key": k, "imp_secret": s}))')
token=$(curl -sf -X POST "$base/users/getToken" -H 'Content-Type: application/json' -d "$credentials" \
  | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["response"]["access_token"])')
status=0
# Every check but positive_data_acceptance ("a schema-valid request must not get a 4xx"): paymux refuses,
# with a 400 that names the field, requests whose fault no schema can state (from later than to, a
# schedule in the past, a payment of another PG, a receipt never issued, either imp_uid or merchant_uid).
"$schemathesis" run "$base/openapi.json" -H "Authorization: $token" --checks all \
  --exclude-checks positive_data_acceptance \
  --phases examples,coverage,fuzzing,stateful --max-time "$seconds" --request-timeout 30 \
  --report junit --report-dir "$reports" --seed "${PROOF_SEED:-1}" || status=$?
tracebacks=$(grep -c Traceback "$data/server.log" || true)
echo "server tracebacks: $tracebacks (log in $reports/server.log)"
[ "$tracebacks" = 0 ] || status=1
exit "$status"

#!/usr/bin/env bash
# Thousands of generated hostile requests against paymux's own OpenAPI description (schemathesis),
# checking that none gets a server error. Prints schemathesis' summary; nothing is asserted by tests.
#   bash bench/fuzz_openapi.sh [max-examples-per-operation]
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-60}"
tools=.venv-fuzz
[ -x "$tools/bin/schemathesis" ] || { python3 -m venv "$tools" && "$tools/bin/pip" install --quiet schemathesis; }
data=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PAYMUX_DATA_DIR="$data" .venv/bin/paymux demo --no-serve >/dev/null
PAYMUX_DATA_DIR="$data" .venv/bin/paymux serve --port "$port" --no-access-log >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
token=$(curl -s -X POST "http://127.0.0.1:$port/users/getToken" -H 'Content-Type: application/json' \
  -d '{"imp_key":"2000000000000001","imp_secret":"demo-secret-for-local-sandbox-use-only"}' \
  | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["response"]["access_token"])')
"$tools/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" -H "Authorization: $token" \
  --checks not_a_server_error --max-examples "$examples" --phases examples,coverage,fuzzing,stateful --mode all
echo "server tracebacks: $(grep -c Traceback "$data/server.log" || true)"

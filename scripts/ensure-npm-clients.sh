#!/bin/sh
# Installs the npm i'mport V1 clients that tests/test_official_clients.py runs against paymux
# (tests/clients/package.json, exact versions pinned by tests/clients/package-lock.json) into
# tests/clients/node_modules with `npm ci`, under the machine's own Node.js. Does nothing when the
# installed tree is already that lock's. Without Node.js the npm client tests skip with a reason
# (in CI, where they must run, this script fails instead).
set -e
DIR="$(cd "$(dirname "$0")/.." && pwd)/tests/clients"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "ensure-npm-clients: node and npm are needed to run the npm i'mport clients" >&2
    if [ -n "$CI" ]; then
        exit 1
    fi
    exit 0
fi
# npm writes node_modules/.package-lock.json on every install: newer than the lock = up to date.
INSTALLED="$DIR/node_modules/.package-lock.json"
if [ -f "$INSTALLED" ] && [ ! "$DIR/package-lock.json" -nt "$INSTALLED" ]; then
    exit 0
fi
echo "ensure-npm-clients: npm ci in tests/clients" >&2
cd "$DIR"
npm ci --no-audit --no-fund --loglevel=error >&2

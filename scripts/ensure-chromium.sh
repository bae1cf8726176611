#!/bin/sh
# Makes sure Debian's Chromium is installed for the browser tests.
# The tests drive it with Playwright using this system executable
# (PAYMUX_CHROMIUM overrides the path), so no browser is downloaded by pip.
set -e
CHROMIUM="${PAYMUX_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available;" >&2
    echo "install Chromium and set PAYMUX_CHROMIUM to its path" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
echo "ensure-chromium: installing Debian's chromium package" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null

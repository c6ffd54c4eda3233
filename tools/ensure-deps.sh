#!/bin/sh
# Makes sure the named Debian packages are installed: installs the missing ones with apt-get
# when running as root, otherwise prints the exact command to run and fails.
set -u
missing=""
for p in "$@"; do
    if command -v dpkg-query >/dev/null 2>&1; then
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "tsamp: installing missing packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
        && exit 0
    echo "tsamp: apt-get failed; run: apt-get install -y$missing" >&2
    exit 1
fi
echo "tsamp: missing packages:$missing" >&2
echo "tsamp: run: sudo apt-get install -y$missing" >&2
exit 1

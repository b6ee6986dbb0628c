#!/usr/bin/env bash
# Makes sure Debian's packages the tests need are installed: each argument is PACKAGE:BINARY (e.g.
# chromium:/usr/bin/chromium). Those whose binary is missing are installed together with apt-get when we are root
# (CI, a fresh machine); otherwise it says what to run.
set -euo pipefail
missing=()
for wanted in "$@"; do
  [ -x "${wanted#*:}" ] || missing+=("${wanted%%:*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian's ${missing[*]}. Install as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${missing[@]}" >&2
for wanted in "$@"; do
  if [ ! -x "${wanted#*:}" ]; then
    echo "apt-get installed ${wanted%%:*}, but ${wanted#*:} is still missing." >&2
    exit 1
  fi
done

#!/usr/bin/env bash
# Makes sure Debian's redis-server is at /usr/bin/redis-server for the shared-state tests (they start their own
# server on a free loopback port): installs the apt package when it is missing and we are root (CI, a fresh
# machine), otherwise says what to run.
set -euo pipefail
REDIS_SERVER=/usr/bin/redis-server
if [ -x "$REDIS_SERVER" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The shared-state tests need Debian's redis-server at $REDIS_SERVER. Install it as root: apt-get update && apt-get install -y redis-server" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq redis-server >&2
if [ ! -x "$REDIS_SERVER" ]; then
  echo "apt-get installed redis-server, but $REDIS_SERVER is still missing." >&2
  exit 1
fi

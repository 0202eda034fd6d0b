#!/usr/bin/env bash
# Starts the reference peer (server.js) on 127.0.0.1:PORT, installing its pinned npm dependency
# into peer/node_modules first when missing. PORT 0 picks a free port; the peer prints "PORT=n".
# usage: Tests/LoadTest/peer/run.sh PORT
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${1:?usage: run.sh PORT}"
command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 127; }
if [ ! -f "$here/node_modules/ws/package.json" ]; then
  command -v npm >/dev/null || { echo "run.sh: npm is not installed" >&2; exit 127; }
  # npm's output goes to stderr: stdout carries only the peer's own lines (its port).
  if [ -f "$here/package-lock.json" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error 1>&2)
  else
    (cd "$here" && npm install --no-audit --no-fund --loglevel=error 1>&2)
  fi
fi
# Thousands of sockets need descriptors; raise the soft limit as far as the hard one allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node "$here/server.js" "$port" 127.0.0.1

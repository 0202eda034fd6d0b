#!/usr/bin/env bash
# Runs validate.mjs (see there for usage), installing its pinned npm dependencies into node_modules first when they
# are missing or do not match package-lock.json. npm's output goes to stderr; stdout carries only the validator's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null || { echo "run.sh: node is not installed (apt-get install -y nodejs npm)" >&2; exit 127; }
# npm ci writes node_modules/.package-lock.json, a copy of the lock's package entries: when it is there and not older
# than the lock, the installed tree is the locked one.
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  command -v npm >/dev/null || { echo "run.sh: npm is not installed (apt-get install -y npm)" >&2; exit 127; }
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error 1>&2)
fi
exec node "$here/validate.mjs" "$@"

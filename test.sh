#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: builds everything in Release and runs the xunit tests
# (field math, grains on real Orleans TestingHost clusters, the gateway over real WebSockets, real silo processes,
# the web viewer in headless Debian Chromium). Installs what is missing. Prints "N passed, N failed, N skipped" last.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# System packages the tests need (the browser test drives Debian's Chromium through Playwright; the container test
# builds its base image with debootstrap and runs the cluster in Docker behind nginx).
if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
need=()
[[ -x /usr/bin/chromium || -n "${RESONANCE_CHROMIUM:-}" ]] || need+=(chromium)
[[ -x /usr/bin/promtool && -x /usr/bin/prometheus ]] || need+=(prometheus)
# A docker client alone (some machines carry one) cannot run containers: the engine, dockerd, is what is needed.
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null || need+=(docker.io)
[[ -x /usr/sbin/debootstrap ]] || need+=(debootstrap)
[[ -x /usr/sbin/nginx ]] || need+=(nginx)
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Docker for the container test: started here when it is not running (host networking only: no bridge, no iptables),
# and then stopped on exit.
dockerd_pid=""
stop_dockerd() { if [[ -n "$dockerd_pid" ]]; then $sudo kill "$dockerd_pid" 2>/dev/null || true; wait "$dockerd_pid" 2>/dev/null || true; fi; }
if ! docker info >/dev/null 2>&1; then
  dockerd_log=$(mktemp)
  $sudo dockerd --bridge=none --iptables=false --ip-masq=false >"$dockerd_log" 2>&1 &
  dockerd_pid=$!
  trap stop_dockerd EXIT
  for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start:"; tail -n 20 "$dockerd_log"; exit 1; }
fi

# Throwaway PostgreSQL (+PostGIS) and Redis on loopback for the persistence and cluster tests; stopped on exit.
services=$(mktemp -d)/services
bash deploy/local/services.sh start "$services"
# shellcheck disable=SC1091
source "$services/env"
# Hand the servers to the tests under test-only names: the Resonance__ variables would otherwise put every silo and
# gateway the tests start into one shared Redis cluster and database.
export RESONANCE_TEST_POSTGRES="$Resonance__Storage__Postgres" RESONANCE_TEST_REDIS="$Resonance__Cluster__Redis"
unset Resonance__Storage__Postgres Resonance__Cluster__Redis
cleanup_services() { bash deploy/local/services.sh stop "$services"; rmdir "$(dirname "$services")" 2>/dev/null || true; stop_dockerd; }
trap cleanup_services EXIT

dotnet build Orleans.sln -c Release -nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"; cleanup_services' EXIT
status=0
dotnet test Tests/Resonance.Tests/Resonance.Tests.csproj -c Release --no-build -nologo \
  --logger "console;verbosity=normal" 2>&1 | tee "$log" || status=$?

# The console logger ends with either "Passed!  - Failed: F, Passed: P, Skipped: S, ..." (minimal) or
# "Total tests: N / Passed: P / Failed: F / Skipped: S" lines (normal verbosity); read whichever is there.
count() { { grep -E "^[[:space:]]*$1:[[:space:]]*[0-9]+" "$log" || true; } | tail -n 1 | { grep -oE '[0-9]+' || true; } | tail -n 1; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
if [[ -z "$passed" && -z "$failed" ]]; then
  line=$(grep -E 'Failed: *[0-9]+, *Passed: *[0-9]+' "$log" | tail -n 1 || true)
  passed=$(sed -nE 's/.*Passed: *([0-9]+).*/\1/p' <<<"$line")
  failed=$(sed -nE 's/.*Failed: *([0-9]+).*/\1/p' <<<"$line")
  skipped=$(sed -nE 's/.*Skipped: *([0-9]+).*/\1/p' <<<"$line")
fi
if [[ -z "$passed" && -z "$failed" ]]; then
  echo "no test summary found"
  exit 1
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"

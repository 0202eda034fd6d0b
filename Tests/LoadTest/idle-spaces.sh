#!/usr/bin/env bash
# Idle cost of the embedded gateway (issue 9's idle targets): CPU of a fresh server with no client, then CPU and RSS
# two minutes after N spaces were each visited once by one client that left.
# usage: Tests/LoadTest/idle-spaces.sh [N (2000)] [settle seconds (120)]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-2000}"; settle="${2:-120}"
[ -f "$root/Tests/LoadTest/peer/node_modules/ws/package.json" ] || (cd "$root/Tests/LoadTest/peer" && npm ci --no-audit --no-fund --loglevel=error)
dotnet build "$root/Gateway/Gateway.csproj" -c Release -nologo -v quiet >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); data=$(mktemp -d)
Resonance__Gateway__DataDirectory="$data" Resonance__Gateway__MaxConnectionsPerAddress=0 Logging__LogLevel__Default=Warning \
  Resonance__Silo__Port="$(free_port)" Resonance__Silo__GatewayPort="$(free_port)" \
  dotnet "$root/Gateway/bin/Release/net10.0/Resonance.Gateway.dll" --urls "http://127.0.0.1:$port" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
rss() { awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status"; }
cpu_over() { local a b; a=$(ticks); sleep "$1"; b=$(ticks); echo "scale=2; ($b-$a)*100/$(getconf CLK_TCK)/$1" | bc; }
sleep 20  # let start-up work (JIT, the first health probe's space) settle
rss0=$(rss); idle=$(cpu_over 30)
echo "fresh server: cpu ${idle}% of a core over 30 s, RSS ${rss0} MiB"
start=$(date +%s)
node "$root/Tests/LoadTest/visit-spaces.js" "ws://127.0.0.1:$port/api/harmonic-ws" "$n" visit 16
echo "visited $n spaces in $(( $(date +%s) - start )) s; RSS $(rss) MiB; settling ${settle} s"
sleep "$settle"
after=$(cpu_over 30); rss1=$(rss)
echo "after ${settle} s: cpu ${after}% of a core over 30 s, RSS ${rss1} MiB (start ${rss0} MiB, +$((rss1-rss0)) MiB)"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^resonance_grain_activations' || true

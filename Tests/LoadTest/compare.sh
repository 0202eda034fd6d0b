#!/usr/bin/env bash
# Compares our gateway with the reference peer (Tests/LoadTest/peer: Node.js + ws, broadcast only)
# under the same load: builds Release once, then for each client count runs the load tool against
# a fresh peer and a fresh embedded gateway (alternating which goes first), each on a free loopback
# port, and prints one table with both and the ratio ours/peer.
#
# usage: Tests/LoadTest/compare.sh [--clients "1000 5000 10000"] [--duration S] [--workload app-rate|mix]
#                                  [--repeat K] [--out DIR] [--no-build] [--peer-pairs K]
# The peer's update carries --peer-pairs phiHarmonics pairs so its size matches ours: 8 (~2 KB) under
# the mix; under app-rate (0.5 Hz streams) no pairs phase-lock in our gateway and its update is
# ~770 bytes, so the default there is 0. Each run's JSON has update_bytes_mean to check.
set -euo pipefail

clients="1000 5000 10000"
duration=40
workload=app-rate
repeat=1
out=""
build=1
peer_pairs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --workload) workload="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --peer-pairs) peer_pairs="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

[ -n "$peer_pairs" ] || { [ "$workload" = app-rate ] && peer_pairs=0 || peer_pairs=8; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
command -v node >/dev/null || { echo "compare.sh: node is required (the reference peer and the table)" >&2; exit 127; }
out="${out:-$(mktemp -d /tmp/resonance-compare.XXXXXX)}"
mkdir -p "$out"
# 10,000 clients are 10,000 descriptors in the tool and as many in the server (children inherit this).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "compare.sh: results in $out (descriptor limit $(ulimit -n), ephemeral ports $(tr '\t' '-' < /proc/sys/net/ipv4/ip_local_port_range))" >&2

started=()
cleanup() {
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${started[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$build" = 1 ]; then
  echo "compare.sh: building Release..." >&2
  dotnet build Orleans.sln -c Release -nologo -v quiet >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
fi
gateway_dll="$root/Gateway/bin/Release/net10.0/Resonance.Gateway.dll"
tool_dll="$root/Tests/LoadTest/bin/Release/net10.0/Resonance.LoadTest.dll"
[ -f "$gateway_dll" ] && [ -f "$tool_dll" ] || { echo "compare.sh: Release build missing" >&2; exit 1; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# wait_ready PID KIND PORT DEADLINE_S: polls until the server answers, or fails when it dies or the deadline passes.
wait_ready() {
  local pid=$1 kind=$2 port=$3 deadline=$((SECONDS + $4))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    if [ "$kind" = ours ]; then
      curl -fs -m 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    else
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    fi
    sleep 0.3
  done
  return 1
}

stop() {
  local pid=$1 deadline=$((SECONDS + 15))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# run_one KIND N REPEAT: a fresh server, one load run, the server stopped; the tool's JSON in $out.
run_one() {
  local kind=$1 n=$2 r=$3 port pid tag="$1-$2-r$3"
  port=$(free_port)
  if [ "$kind" = ours ]; then
    local data; data=$(mktemp -d "$out/data-$tag.XXXX")
    # Silo ports are free ones too, so a gateway another engineer runs on 11111/30000 does not collide.
    env Resonance__Gateway__DataDirectory="$data" Resonance__Gateway__MaxConnectionsPerAddress=0 Logging__LogLevel__Default=Warning \
      Resonance__Silo__Port="$(free_port)" Resonance__Silo__GatewayPort="$(free_port)" \
      dotnet "$gateway_dll" --urls "http://127.0.0.1:$port" >"$out/$tag.server.log" 2>&1 &
  else
    PEER_PAIRS="$peer_pairs" "$root/Tests/LoadTest/peer/run.sh" "$port" >"$out/$tag.server.log" 2>&1 &
  fi
  pid=$!
  started+=("$pid")
  # The peer's first start may run npm ci; the gateway starts a silo: generous deadlines, polled.
  if ! wait_ready "$pid" "$kind" "$port" 180; then
    echo "compare.sh: $kind did not become ready on port $port (log: $out/$tag.server.log)" >&2
    tail -5 "$out/$tag.server.log" >&2 || true
    stop "$pid"
    return 1
  fi
  local extra=()
  # One source address has ~28,000 ephemeral ports; spread larger runs over 127.0.0.x.
  [ "$n" -gt 20000 ] && extra+=(--source-addresses $(( (n + 19999) / 20000 )))
  echo "compare.sh: $tag on port $port (pid $pid)..." >&2
  dotnet "$tool_dll" --url "ws://127.0.0.1:$port/api/harmonic-ws" --clients "$n" --duration "$duration" \
    --workload "$workload" --server-pid "$pid" --json "${extra[@]}" >"$out/$tag.json" 2>"$out/$tag.tool.log" || true
  stop "$pid"
}

for n in $clients; do
  for r in $(seq 1 "$repeat"); do
    # Alternate which server goes first, so warm caches or a neighbour's build do not favour one side.
    if [ $((r % 2)) = 1 ]; then order="peer ours"; else order="ours peer"; fi
    for kind in $order; do run_one "$kind" "$n" "$r" || true; done
  done
done

node "$root/Tests/LoadTest/compare-table.js" "$out" "$clients" "$repeat" "$workload" "$duration"

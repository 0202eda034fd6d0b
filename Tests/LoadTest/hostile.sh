#!/usr/bin/env bash
# Hostile and broken clients beside a measured population of normal ones (issue 12, point 3).
# Builds Release once, then for each repeat runs, each on a fresh embedded gateway (free loopback port, its own temp
# data dir), the load tool's normal clients
#   alone      - normal clients only;
#   hostile    - the same, with Tests/Hostile running every kind but the flood alongside (slowloris, 5,000 non-readers,
#                oversize messages, unfinished fragments);
#   flood      - the same, with a connection flood from one address alongside;
#   all        - (not in the default list) every kind at once, the flood included;
#   nonreaders, small - (not in the default list) only the non-readers / only slowloris, oversize and fragments;
#   elsewhere  - (not in the default list) a control for `all`: the same hostile clients, aimed at a second fresh
#                gateway on the same machine, while the normal clients use the measured one alone. Its ratio is what
#                sharing the cores with the attack costs; all's ratio over it is the measured gateway's own share;
# alternating the order between repeats, and prints one table: normal p99 without/with and the ratio, normal sessions
# closed, server peak RSS, both tools' CPU, and then what the hostile clients experienced.
#
# usage: Tests/LoadTest/hostile.sh [--clients N] [--duration S] [--repeat K] [--variants "alone hostile flood"]
#                                  [--nonreaders N] [--flood N] [--out DIR] [--no-build] [--hostile-args "..."]
#                                  [--hostile-tail S]   (the hostile clients go on S s past the measured run, default 20)
#                                  [--per-address-cap N] (the gateway's MaxConnectionsPerAddress, default 64 as in the
#                                  gateway's defaults, 0 = off; with N, the normal clients and every kind but the flood
#                                  spread over addresses at N each)
#                                  [--hostile-nice N]   (the hostile tool runs at this nice level, default 10: the attackers
#                                  stand for other machines, so on a shared 2-core box their own CPU must not be what
#                                  delays the server; their attempt counts are printed to show the attack volume held)
set -euo pipefail

clients=1000
duration=60
repeat=2
variants="alone hostile flood"
nonreaders=5000
flood=5000
out=""
build=1
hostile_args=""
tail_s=20
cap=64
hostile_nice=10
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --variants) variants="$2"; shift 2 ;;
    --nonreaders) nonreaders="$2"; shift 2 ;;
    --flood) flood="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --hostile-args) hostile_args="$2"; shift 2 ;;
    --hostile-tail) tail_s="$2"; shift 2 ;;
    --per-address-cap) cap="$2"; shift 2 ;;
    --hostile-nice) hostile_nice="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "hostile.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
command -v node >/dev/null || { echo "hostile.sh: node is required (free ports and the table)" >&2; exit 127; }
out="${out:-$(mktemp -d /tmp/resonance-hostile.XXXXXX)}"
mkdir -p "$out"
# Thousands of hostile connections are as many descriptors in the tool and in the server (children inherit this).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "hostile.sh: results in $out (descriptor limit $(ulimit -n))" >&2

started=()
cleanup() {
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${started[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$build" = 1 ]; then
  echo "hostile.sh: building Release..." >&2
  for p in Gateway Tests/LoadTest Tests/Hostile; do
    dotnet build "$p" -c Release -nologo -v quiet >>"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; exit 1; }
  done
fi
gateway_dll="$root/Gateway/bin/Release/net10.0/Resonance.Gateway.dll"
tool_dll="$root/Tests/LoadTest/bin/Release/net10.0/Resonance.LoadTest.dll"
hostile_dll="$root/Tests/Hostile/bin/Release/net10.0/Resonance.Hostile.dll"
for f in "$gateway_dll" "$tool_dll" "$hostile_dll"; do [ -f "$f" ] || { echo "hostile.sh: missing $f (build Release)" >&2; exit 1; }; done

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

wait_ready() {
  local pid=$1 port=$2 deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -fs -m 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
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

# start_gateway NAME: a fresh embedded gateway on a free loopback port with its own temp data dir, polled until ready;
# sets gw_pid, gw_port and gw_data (log: $out/NAME.server.log).
start_gateway() {
  gw_port=$(free_port)
  gw_data=$(mktemp -d "$out/data-$1.XXXX")
  env Resonance__Gateway__DataDirectory="$gw_data" Resonance__Gateway__MaxConnectionsPerAddress="$cap" Logging__LogLevel__Default=Warning \
    Resonance__Silo__Port="$(free_port)" Resonance__Silo__GatewayPort="$(free_port)" \
    dotnet "$gateway_dll" --urls "http://127.0.0.1:$gw_port" >"$out/$1.server.log" 2>&1 &
  gw_pid=$!
  started+=("$gw_pid")
  if ! wait_ready "$gw_pid" "$gw_port" 180; then
    echo "hostile.sh: the gateway did not become ready on port $gw_port (log: $out/$1.server.log)" >&2
    stop "$gw_pid"
    rm -rf "$gw_data"
    return 1
  fi
}

# run_one VARIANT REPEAT: a fresh gateway, the normal clients (with the variant's hostile clients), the gateway stopped.
run_one() {
  local variant=$1 r=$2 port pid tag="$1-r$2" data sink_pid="" sink_data=""
  start_gateway "$tag" || return 1
  pid=$gw_pid port=$gw_port data=$gw_data
  local url="ws://127.0.0.1:$port/api/harmonic-ws" kinds="" hpid="" spread=() hspread=()
  local hostile_url=$url
  if [ "$cap" -gt 0 ]; then
    spread=(--source-addresses $(( (clients + cap - 1) / cap )))
    hspread=(--per-address "$cap")
  fi
  case "$variant" in
    alone) ;;
    hostile) kinds="slowloris-dribble,slowloris-stall,nonreader-heartbeat,nonreader-silent,oversize,huge-length,fragment-first,fragment-endless" ;;
    flood) kinds="flood" ;;
    nonreaders) kinds="nonreader-heartbeat,nonreader-silent" ;;
    small) kinds="slowloris-dribble,slowloris-stall,oversize,huge-length,fragment-first,fragment-endless" ;;
    all|elsewhere) kinds="slowloris-dribble,slowloris-stall,nonreader-heartbeat,nonreader-silent,oversize,huge-length,fragment-first,fragment-endless,flood" ;;
    *) echo "hostile.sh: unknown variant $variant" >&2; stop "$pid"; return 1 ;;
  esac
  if [ "$variant" = elsewhere ]; then
    if ! start_gateway "$tag-sink"; then stop "$pid"; rm -rf "$data"; return 1; fi
    sink_pid=$gw_pid sink_data=$gw_data
    hostile_url="ws://127.0.0.1:$gw_port/api/harmonic-ws"
  fi
  if [ -n "$kinds" ]; then
    # The hostile clients start first (the non-readers arrive over 10 s) and last past the measured run.
    # shellcheck disable=SC2086
    nice -n "$hostile_nice" dotnet "$hostile_dll" --url "$hostile_url" --duration $((duration + tail_s)) --kinds "$kinds" --nonreaders "$nonreaders" \
      --flood "$flood" --json "${hspread[@]}" $hostile_args >"$out/$tag.hostile.json" 2>"$out/$tag.hostile.log" &
    hpid=$!
    started+=("$hpid")
    sleep 10
  fi
  echo "hostile.sh: $tag on port $port (gateway pid $pid)..." >&2
  # Normal clients come from 127.0.0.1 (..N with a cap); the hostile tool uses 127.0.1.1 and up.
  dotnet "$tool_dll" --url "$url" --clients "$clients" --duration "$duration" --workload app-rate \
    --server-pid "$pid" --json "${spread[@]}" >"$out/$tag.json" 2>"$out/$tag.tool.log" || true
  [ -n "$hpid" ] && wait "$hpid" 2>/dev/null || true
  # The gateway's peak resident memory over its whole life (this run only: a fresh process).
  awk '/VmHWM/ {print $2}' "/proc/$pid/status" >"$out/$tag.hwm_kb" 2>/dev/null || echo "" >"$out/$tag.hwm_kb"
  stop "$pid"
  rm -rf "$data"
  if [ -n "$sink_pid" ]; then stop "$sink_pid"; rm -rf "$sink_data"; fi
}

for r in $(seq 1 "$repeat"); do
  order="$variants"
  # Alternate the order, so warm caches or a neighbour's build do not favour one variant.
  [ $((r % 2)) = 0 ] && order=$(echo "$variants" | tr ' ' '\n' | tac | tr '\n' ' ')
  for v in $order; do run_one "$v" "$r" || true; done
done

node "$root/Tests/LoadTest/hostile-table.js" "$out" "$variants" "$repeat" "$clients" "$duration"

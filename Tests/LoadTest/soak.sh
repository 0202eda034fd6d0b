#!/usr/bin/env bash
# Soak of the embedded default (issue 12): the load tool's clients against one embedded gateway for a long run, and every
# minute one row of what must stay flat: RSS, GC heap (after the last collection), open handles (fds), threads, active
# grains, connected clients, server CPU, and the minute's p99 of resonance_gateway_event_latency_seconds (the gateway has a
# message for a client -> it is written to the socket; a broadcast counts once), from the /metrics histogram's per-minute
# bucket deltas, interpolated within a bucket (buckets: 5, 10, 25, 50, 100 ms, ...), with the minute's sample count.
#
# usage: Tests/LoadTest/soak.sh [clients (1000)] [minutes (30)] [load-tool options...]
#   default load: --workload mix --min-hz 0.5 --max-hz 2 --memory-every 1e9 (streams, heartbeats and events; no memory
#   nodes, which persist by design and would grow the grain count on purpose). Extra options are passed to the tool.
# Output: a Markdown table on stdout (also $SOAK_OUT/soak.md, default a temp dir), the raw rows in soak.csv, the load
# tool's JSON summary in load.json and the server log in server.log.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
clients="${1:-1000}"; minutes="${2:-30}"; shift $(( $# >= 2 ? 2 : $# ))
out="${SOAK_OUT:-$(mktemp -d /tmp/soak.XXXXXX)}"; mkdir -p "$out"
ramp=30

# Published copies: rebuilding the worktree during the run cannot touch the binaries under test.
dotnet publish "$root/Gateway/Gateway.csproj" -c Release -nologo -v quiet -o "$out/gateway" >/dev/null
dotnet publish "$root/Tests/LoadTest/LoadTest.csproj" -c Release -nologo -v quiet -o "$out/load" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); data="$out/data"; mkdir -p "$data"
Resonance__Gateway__DataDirectory="$data" Logging__LogLevel__Default=Warning \
  Resonance__Silo__Port="$(free_port)" Resonance__Silo__GatewayPort="$(free_port)" \
  dotnet "$out/gateway/Resonance.Gateway.dll" --urls "http://127.0.0.1:$port" >"$out/server.log" 2>&1 &
pid=$!
load_pid=""
trap 'kill $load_pid 2>/dev/null || true; kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 240); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "server did not start; see $out/server.log" >&2; exit 1; }

duration=$(( minutes * 60 + ramp + 30 ))
dotnet "$out/load/Resonance.LoadTest.dll" --url "ws://127.0.0.1:$port/api/harmonic-ws" --clients "$clients" \
  --duration "$duration" --ramp "$ramp" --server-pid "$pid" --json \
  --workload mix --min-hz 0.5 --max-hz 2 --memory-every 1000000000 "$@" >"$out/load.json" 2>"$out/load.log" &
load_pid=$!
echo "soak: $clients clients, $minutes min, server pid $pid on :$port, output in $out" >&2

python3 - "$pid" "$port" "$minutes" "$ramp" "$out" <<'PY'
import csv, os, re, sys, time, urllib.request
pid, port, minutes, ramp, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
hz = os.sysconf("SC_CLK_TCK")

def metrics():
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    rows = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip(): continue
        m = re.match(r'^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)', line)
        if m: rows.append((m.group(1), m.group(2) or "", float(m.group(3))))
    return rows

def total(rows, name): return sum(v for n, _, v in rows if n == name)

def buckets(rows):
    b = {}
    for n, labels, v in rows:
        if n == "resonance_gateway_event_latency_seconds_bucket":
            le = re.search(r'le="([^"]+)"', labels).group(1)
            b[float("inf") if le == "+Inf" else float(le)] = b.get(float("inf") if le == "+Inf" else float(le), 0) + v
    return b

def p99(now, before):
    les = sorted(now)
    delta = [(le, now[le] - before.get(le, 0)) for le in les]
    count = delta[-1][1] if delta else 0
    if count <= 0: return None, 0
    target, prev_le, prev_c = 0.99 * count, 0.0, 0.0
    for le, c in delta:
        if c >= target:
            if le == float("inf"): return float("inf"), count
            # linear within the bucket: an estimate, bounded by the bucket's edges
            return (prev_le + (le - prev_le) * (target - prev_c) / max(c - prev_c, 1e-9)) * 1000, count
        prev_le, prev_c = le, c
    return None, count

def status(key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key): return int(line.split()[1])

def cpu_ticks():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])

time.sleep(ramp + 15)
start = time.time()
before, ticks0, t0 = buckets(metrics()), cpu_ticks(), time.time()
rows = []
header = ["minute", "rss_mib", "gc_heap_mib", "handles", "threads", "grains", "clients", "cpu_pct", "p99_ms", "samples"]
for minute in range(1, minutes + 1):
    time.sleep(max(0, start + minute * 60 - time.time()))
    m = metrics()
    now, ticks1, t1 = buckets(m), cpu_ticks(), time.time()
    lat, n = p99(now, before)
    gc_heap = total(m, "dotnet_gc_last_collection_heap_size_bytes")
    row = [minute, status("VmRSS:") // 1024, round(gc_heap / 2**20, 1), len(os.listdir(f"/proc/{pid}/fd")), status("Threads:"),
           int(total(m, "resonance_grain_activations")), int(total(m, "resonance_gateway_connected_clients")),
           round((ticks1 - ticks0) * 100 / hz / (t1 - t0), 1), None if lat is None else round(lat, 1), int(n)]
    rows.append(row)
    print("\t".join(map(str, row)), file=sys.stderr, flush=True)
    before, ticks0, t0 = now, ticks1, t1

with open(f"{out}/soak.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(header); w.writerows(rows)
md = ["| min | RSS MiB | GC heap MiB | handles | threads | grains | clients | server CPU % | p99 ms | samples |",
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
md += ["| " + " | ".join("-" if v is None else str(v) for v in r) + " |" for r in rows]
open(f"{out}/soak.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
wait "$load_pid" || true
load_pid=""
echo "load tool summary: $out/load.json" >&2

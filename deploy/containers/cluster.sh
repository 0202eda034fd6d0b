#!/usr/bin/env bash
# The Resonance cluster in containers on one host, as the container tests run it: 3 silos and 2 client-mode gateways
# (`docker run --network host`, each on its own loopback ports), configured from the Deployments in deploy/k8s/*.yaml,
# with Debian's nginx in front of the gateways. Host networking only: every address is loopback.
#
#   cluster.sh build              base images (base-image.sh) + the silo and gateway images of this tree; prints their
#                                 image ids last (silo, then gateway)
#   cluster.sh up DIR             starts PostgreSQL + Redis (deploy/local/services.sh, unless Resonance__Storage__Postgres
#                                 and Resonance__Cluster__Redis are set), the silos, the gateways and nginx; state in DIR
#   cluster.sh status DIR         containers, ports and health; the nginx address
#   cluster.sh kill DIR NAME      SIGKILL a container (e.g. silo-1, gateway-0)
#   cluster.sh stop|start DIR NAME
#   cluster.sh rolling DIR        rolling restart of the silos: stop (SIGTERM), wait, start, wait until /healthz answers
#   cluster.sh down DIR           removes the containers, nginx and (if up started them) PostgreSQL and Redis
#
# The environment of a container is its Deployment container's `env` (fieldRef status.podIP -> 127.0.0.1,
# metadata.name -> the container name, metadata.namespace -> resonance) after the `envFrom` Secret
# resonance-connections (-> the PostgreSQL and Redis above); then only the host-network ports (Urls, Resonance__Silo__Port,
# Resonance__Silo__GatewayPort) and a cluster id of its own are overridden. Extra settings: CLUSTER_EXTRA_ENV="K=V K=V".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cmd=${1:?build|up|status|kill|stop|start|rolling|down}

sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
log() { echo "[cluster] $*" >&2; }

build() {
  local start t; start=$(date +%s)
  sudo_if_needed env ${NUGET_CERT_REVOCATION_MODE:+NUGET_CERT_REVOCATION_MODE=$NUGET_CERT_REVOCATION_MODE} "$here/base-image.sh" all >&2
  local args=(--network host --build-arg SDK_IMAGE=resonance/dotnet-sdk:10.0 --build-arg RUNTIME_IMAGE=resonance/dotnet-runtime:10.0)
  local ids=()
  for role in silo gateway; do
    t=$(date +%s)
    local dir; dir=$([[ $role == silo ]] && echo Silo || echo Gateway)
    docker build "${args[@]}" -f "$root/$dir/Dockerfile" -t "resonance/$role:local" "$root" > "/tmp/resonance-build-$role.log" 2>&1 \
      || { tail -n 40 "/tmp/resonance-build-$role.log" >&2; exit 1; }
    log "resonance/$role:local built in $(( $(date +%s) - t )) s ($(grep -c 'Using cache' "/tmp/resonance-build-$role.log") cached steps)"
    ids+=("$(docker image inspect --format '{{.Id}}' "resonance/$role:local")")
  done
  log "images ready in $(( $(date +%s) - start )) s"
  printf '%s\n' "${ids[@]}"
}

# NAME=VALUE lines of the resolved environment of a Deployment's container (see the header).
manifest_env() {
  local deployment=$1 container=$2 pod=$3
  python3 - "$root/deploy/k8s" "$deployment" "$container" "$pod" <<'PY'
import glob, os, re, sys, yaml
directory, deployment, container, pod = sys.argv[1:]
docs = [d for f in sorted(glob.glob(directory + "/*.yaml") + glob.glob(directory + "/*.yml"))
        for d in yaml.safe_load_all(open(f)) if isinstance(d, dict)]
deps = [d for d in docs if d.get("kind") == "Deployment" and d.get("metadata", {}).get("name") == deployment]
if len(deps) != 1: sys.exit(f"{len(deps)} Deployments named {deployment}")
spec = [c for c in deps[0]["spec"]["template"]["spec"]["containers"] if c["name"] == container][0]
secrets = {"resonance-connections": {"Resonance__Storage__Postgres": os.environ["Resonance__Storage__Postgres"],
                                     "Resonance__Cluster__Redis": os.environ["Resonance__Cluster__Redis"]},
           "resonance-auth": {"Resonance__Auth__SigningKey": os.environ["RESONANCE_AUTH_SIGNING_KEY"],
                              "Resonance__Auth__PseudonymKey": os.environ["RESONANCE_AUTH_PSEUDONYM_KEY"]},
           "resonance-privacy": {"master-key-k1": os.environ["RESONANCE_MASTER_KEY_K1"],
                                 "log-signing-key": os.environ["RESONANCE_LOG_SIGNING_KEY"]}}
fields = {"status.podIP": "127.0.0.1", "status.hostIP": "127.0.0.1", "metadata.name": pod, "metadata.namespace": "resonance"}
def configmap(name):
    return [d for d in docs if d.get("kind") == "ConfigMap" and d["metadata"]["name"] == name][0].get("data", {})
env = {}
for src in spec.get("envFrom", []) or []:
    p = src.get("prefix", "")
    if "secretRef" in src: env.update({p + k: v for k, v in secrets[src["secretRef"]["name"]].items()})
    if "configMapRef" in src: env.update({p + k: str(v) for k, v in configmap(src["configMapRef"]["name"]).items()})
for e in spec.get("env", []) or []:
    if "value" in e:
        env[e["name"]] = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)", lambda m: env.get(m.group(1), m.group(0)), str(e["value"]))
    elif "valueFrom" in e:
        f = e["valueFrom"]
        if "fieldRef" in f: env[e["name"]] = fields[f["fieldRef"]["fieldPath"]]
        elif "secretKeyRef" in f: env[e["name"]] = secrets[f["secretKeyRef"]["name"]][f["secretKeyRef"]["key"]]
        elif "configMapKeyRef" in f: env[e["name"]] = str(configmap(f["configMapKeyRef"]["name"])[f["configMapKeyRef"]["key"]])
    else: env[e["name"]] = ""
for k, v in env.items(): print(f"{k}={v}")
PY
}

# run_container DIR ROLE INDEX: writes DIR/NAME.env and starts the container.
run_container() {
  local dir=$1 role=$2 index=$3 name prefix; prefix=$(cat "$dir/prefix"); name="$prefix-$role-$index"
  local http; http=$(free_port)
  # shellcheck disable=SC1091
  [[ -f "$dir/auth.env" ]] && { set -a; source "$dir/auth.env"; set +a; }
  { manifest_env "resonance-$role" "$role" "$name"
    echo "Urls=http://127.0.0.1:$http"
    if [[ $role == silo ]]; then echo "Resonance__Silo__Port=$(free_port)"; echo "Resonance__Silo__GatewayPort=$(free_port)"; fi
    echo "Resonance__Cluster__ClusterId=$prefix"
    for kv in ${CLUSTER_EXTRA_ENV:-}; do echo "$kv"; done
  } > "$dir/$name.env"
  docker run -d --name "$name" --network host --label "org.resonance.cluster=$prefix" --label "org.resonance.role=$role" \
    --env-file "$dir/$name.env" "resonance/$role:local" >/dev/null
  echo "$name $http" >> "$dir/containers"
}

http_port() { awk -v n="$2" '$1 == n { print $2 }' "$1/containers"; }
full_name() { local p; p=$(cat "$1/prefix"); [[ $2 == "$p"-* ]] && echo "$2" || echo "$p-$2"; }

wait_healthy() {
  local port=$1 name=$2
  for _ in $(seq 360); do
    if HEALTHCHECK_PORT=$port bash "$here/healthcheck.sh" /healthz 2>/dev/null; then log "$name ready (http $port)"; return; fi
    [[ "$(docker inspect --format '{{.State.Status}}' "$name")" == running ]] || { docker logs --tail 30 "$name" >&2; exit 1; }
    sleep 0.25
  done
  log "$name not ready in time"; docker logs --tail 30 "$name" >&2; exit 1
}

start_nginx() {
  local dir=$1 port; port=$(free_port)
  mkdir -p "$dir/nginx"
  # deploy/nginx/resonance.conf includes upstream.conf and listen.conf from its own directory.
  cp "$here/../nginx/resonance.conf" "$dir/nginx/resonance.conf"
  awk '$1 ~ /-gateway-/ { print "server 127.0.0.1:" $2 " max_fails=1 fail_timeout=2s;" }' "$dir/containers" > "$dir/nginx/upstream.conf"
  echo "listen 127.0.0.1:$port;" > "$dir/nginx/listen.conf"
  nginx -p "$dir/nginx/" -c "$dir/nginx/resonance.conf" 2>>"$dir/nginx/error.log"
  echo "$port" > "$dir/nginx/port"
  log "nginx on http://127.0.0.1:$port (WebSocket ws://127.0.0.1:$port/api/harmonic-ws)"
}

case "$cmd" in
  build) build ;;
  up)
    dir=${2:?DIR}; mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
    [[ ! -f "$dir/containers" ]] || { echo "$dir already holds a cluster (cluster.sh down $dir first)" >&2; exit 1; }
    if [[ -z "${Resonance__Storage__Postgres:-}" || -z "${Resonance__Cluster__Redis:-}" ]]; then
      bash "$root/deploy/local/services.sh" start "$dir/services" >&2
      # shellcheck disable=SC1091
      source "$dir/services/env"
    fi
    export Resonance__Storage__Postgres Resonance__Cluster__Redis
    # The cluster's shared auth keys (the Secret resonance-auth), made once per cluster directory.
    [[ -f "$dir/auth.env" ]] || printf 'RESONANCE_AUTH_SIGNING_KEY=%s\nRESONANCE_AUTH_PSEUDONYM_KEY=%s\n' \
      "$(head -c 32 /dev/urandom | base64)" "$(head -c 32 /dev/urandom | base64)" > "$dir/auth.env"
    # The Secret resonance-privacy: one master key shared by every silo of this cluster, kept with its state in DIR.
    [[ -f "$dir/master-key-k1" ]] || (umask 077; head -c 32 /dev/urandom | base64 > "$dir/master-key-k1")
    RESONANCE_MASTER_KEY_K1=$(cat "$dir/master-key-k1"); export RESONANCE_MASTER_KEY_K1
    # ... and the event log's checkpoint signing key (ECDSA P-256, base64 PKCS#8 DER), also shared by every silo.
    [[ -f "$dir/log-signing-key" ]] || (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform DER | base64 -w0 > "$dir/log-signing-key")
    RESONANCE_LOG_SIGNING_KEY=$(cat "$dir/log-signing-key"); export RESONANCE_LOG_SIGNING_KEY
    echo "resonance-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')" > "$dir/prefix"
    : > "$dir/containers"
    docker image inspect resonance/silo:local resonance/gateway:local >/dev/null 2>&1 || build >/dev/null
    for i in 0 1 2; do run_container "$dir" silo "$i"; done
    while read -r name port; do wait_healthy "$port" "$name"; done < "$dir/containers"
    for i in 0 1; do run_container "$dir" gateway "$i"; done
    while read -r name port; do [[ $name == *-gateway-* ]] && wait_healthy "$port" "$name"; done < "$dir/containers"
    start_nginx "$dir"
    ;;
  status)
    dir=${2:?DIR}
    docker ps -a --filter "label=org.resonance.cluster=$(cat "$dir/prefix")" --format 'table {{.Names}}\t{{.Status}}'
    cat "$dir/containers"; echo "nginx: http://127.0.0.1:$(cat "$dir/nginx/port")"
    ;;
  kill) docker kill --signal KILL "$(full_name "${2:?DIR}" "${3:?NAME}")" >/dev/null ;;
  stop) docker stop -t 30 "$(full_name "${2:?DIR}" "${3:?NAME}")" >/dev/null ;;
  start)
    name=$(full_name "${2:?DIR}" "${3:?NAME}"); docker start "$name" >/dev/null; wait_healthy "$(http_port "$2" "$name")" "$name" ;;
  rolling)
    dir=${2:?DIR}
    while read -r name port; do
      [[ $name == *-silo-* ]] || continue
      t=$(date +%s%N); docker stop -t 30 "$name" >/dev/null
      log "$name stopped in $(( ($(date +%s%N) - t) / 1000000 )) ms (exit $(docker inspect --format '{{.State.ExitCode}}' "$name"))"
      docker start "$name" >/dev/null; wait_healthy "$port" "$name"
    done < "$dir/containers"
    ;;
  down)
    dir=${2:?DIR}
    [[ -f "$dir/nginx/nginx.pid" ]] && kill "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null || true
    if [[ -f "$dir/prefix" ]]; then
      ids=$(docker ps -aq --filter "label=org.resonance.cluster=$(cat "$dir/prefix")")
      [[ -z "$ids" ]] || docker rm -f $ids >/dev/null
    fi
    [[ -d "$dir/services" ]] && bash "$root/deploy/local/services.sh" stop "$dir/services"
    rm -rf "$dir"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

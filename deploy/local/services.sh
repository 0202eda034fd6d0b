#!/usr/bin/env bash
# Throwaway PostgreSQL (+PostGIS) and Redis on loopback, for tests and local runs.
#   services.sh start DIR   -> starts both with data under DIR on free ports; writes DIR/env (export lines)
#   services.sh stop DIR    -> stops both and removes DIR
# Installs postgresql-15-postgis-3 and redis-server with apt-get when missing.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data directory}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin=/usr/lib/postgresql/15/bin

ensure_packages() {
  local need=()
  [[ -f /usr/share/postgresql/15/extension/postgis.control ]] || need+=(postgresql-15-postgis-3)
  command -v redis-server >/dev/null || need+=(redis-server)
  if ((${#need[@]})); then
    local sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

case "$cmd" in
  start)
    ensure_packages
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    pg_port=$(free_port); redis_port=$(free_port)
    mkdir -p "$dir/pg" "$dir/redis"
    if [[ $(id -u) -eq 0 ]]; then
      # The server runs as postgres: it must be able to reach its data directory.
      chmod a+x "$(dirname "$dir")" "$dir"
      chown -R postgres "$dir/pg"
    fi
    as_postgres "$pg_bin/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_postgres "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w \
      -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE resonance" >/dev/null
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --daemonize yes \
      --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/log" --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    cat > "$dir/env" <<ENV
export Resonance__Storage__Postgres="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=resonance;Pooling=true;Maximum Pool Size=50"
export Resonance__Cluster__Redis="127.0.0.1:$redis_port"
export RESONANCE_PG_PORT=$pg_port
export RESONANCE_REDIS_PORT=$redis_port
ENV
    echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port (env in $dir/env)"
    ;;
  stop)
    [[ -d "$dir" ]] || exit 0
    if [[ -f "$dir/redis/redis.pid" ]]; then kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true; fi
    if [[ -d "$dir/pg/data" ]]; then as_postgres "$pg_bin/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

#!/bin/bash
# Container health check without curl: an HTTP/1.0 GET over bash's /dev/tcp to this container's own HTTP port.
#   resonance-healthcheck [PATH]   (default /healthz)
# The port is HEALTHCHECK_PORT, else the first of Urls (e.g. http://0.0.0.0:8080;...), else ASPNETCORE_HTTP_PORTS,
# else 8080. Exit 0 when the answer is 200, else 1 (Docker's HEALTHCHECK contract).
path=${1:-/healthz}
url=${Urls:-${ASPNETCORE_URLS:-}}
url=${url%%;*}
port=${HEALTHCHECK_PORT:-}
if [[ -z "$port" && "$url" =~ :([0-9]+)/?$ ]]; then port=${BASH_REMATCH[1]}; fi
port=${port:-${ASPNETCORE_HTTP_PORTS%%[;,]*}}
port=${port:-8080}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
read -r -t 5 _ status _ <&3 || exit 1
[[ "$status" == 200 ]]

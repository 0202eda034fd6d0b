#!/usr/bin/env bash
# Builds, on this machine and without any container registry, the images the Dockerfiles start from:
#   resonance/bookworm:base        Debian bookworm (debootstrap --variant=minbase) + ca-certificates, libicu, libssl
#   resonance/dotnet-runtime:10.0  base + the host's .NET and ASP.NET Core shared runtimes (stands in for
#                                  mcr.microsoft.com/dotnet/aspnet:10.0)
#   resonance/dotnet-sdk:10.0      base + the host's whole .NET SDK and CA certificates, so `dotnet restore` works
#                                  through this machine's egress proxy with `--network host` (stands in for
#                                  mcr.microsoft.com/dotnet/sdk:10.0)
# Idempotent: each image carries a label with a hash of its inputs (the debootstrap parameters; the base image id and the
# copied files' names, sizes and times; the CA certificates); a step whose image exists with the same hash is skipped.
# Usage: deploy/containers/base-image.sh [base|runtime|sdk|all]   (default: all)
# Environment: MIRROR (default: the host's configured Debian mirror, else http://deb.debian.org/debian),
#              DOTNET_HOST_ROOT (default /usr/share/dotnet), FORCE=1 rebuilds everything.
# Needs root (debootstrap), docker, debootstrap. Host networking only: no bridge is ever used.
set -euo pipefail

what=${1:-all}
suite=bookworm
packages=ca-certificates,libicu72,libssl3,tzdata
dotnet_root=${DOTNET_HOST_ROOT:-/usr/share/dotnet}
base_image=resonance/bookworm:base
runtime_image=resonance/dotnet-runtime:10.0
sdk_image=resonance/dotnet-sdk:10.0
label=org.resonance.inputs

host_mirror() {
  # The first Debian (non-security) mirror of the host's apt sources, in deb822 or one-line format.
  local uri
  uri=$(sed -nE 's|^URIs:[[:space:]]*(\S+/debian)/?$|\1|p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1 || true)
  [[ -n "$uri" ]] || uri=$(sed -nE 's|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?(\S+/debian)/?[[:space:]]+bookworm[[:space:]].*|\2|p' \
    /etc/apt/sources.list 2>/dev/null | head -n 1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror=${MIRROR:-$(host_mirror)}

log() { echo "[base-image] $*" >&2; }
hash_of() { sha256sum | cut -c1-16; }
# The input hash an image was built with ("" if it does not exist).
built_with() { docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true; }
up_to_date() { [[ "${FORCE:-0}" != 1 && "$(built_with "$1")" == "$2" ]]; }
seconds_since() { echo $(( $(date +%s) - $1 )); }

build_base() {
  local inputs; inputs=$(printf 'v1 %s %s minbase %s\n' "$suite" "$mirror" "$packages" | hash_of)
  if up_to_date "$base_image" "$inputs"; then log "$base_image is up to date ($inputs)"; return; fi
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  local root; root=$(mktemp -d /var/tmp/resonance-rootfs.XXXXXX)
  # shellcheck disable=SC2064 # the directory is known now
  trap "rm -rf '$root' '$root.log'" EXIT
  local start; start=$(date +%s)
  log "debootstrap --variant=minbase $suite from $mirror (takes minutes)"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -n 30 "$root.log" >&2; exit 1; }
  log "debootstrap took $(seconds_since "$start") s"
  # apt inside derived images uses the same mirror, with security updates.
  local security=${mirror%/debian}/debian-security
  cat > "$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
SOURCES
  # What a container does not need: package caches and lists, documentation, locales other than C.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
    "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/tmp/* "$root"/dev/*
  : > "$root/etc/machine-id"
  local t; t=$(date +%s)
  tar --numeric-owner --xattrs -C "$root" -c . | docker import \
    --change "LABEL $label=$inputs" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    - "$base_image" >/dev/null
  rm -rf "$root" "$root.log"; trap - EXIT
  log "$base_image imported in $(seconds_since "$t") s ($(docker image inspect --format '{{.Size}}' "$base_image" | numfmt --to=iec))"
}

# Lists the files (not directories: the CLI touches metadata/) under the given paths of the host's dotnet root with sizes and times: the copied inputs.
listing() { (cd "$dotnet_root" && find "$@" \( -type f -o -type l \) -printf '%p %s %T@\n' | LC_ALL=C sort); }

# Runs a throwaway container of the base image with the host's dotnet root mounted read-only, runs a script in it and
# commits the result with the given changes. No build context is sent; the network is the host's.
commit_from_base() {
  local image=$1 inputs=$2 script=$3; shift 3
  local name; name=resonance-build-$$-$RANDOM
  local changes=(--change "LABEL $label=$inputs")
  for c in "$@"; do changes+=(--change "$c"); done
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run --network host --name "$name" -v "$dotnet_root:/host-dotnet:ro" \
    -v /usr/local/share/ca-certificates:/host-ca:ro "$base_image" bash -euo pipefail -c "$script" \
    || { docker rm -f "$name" >/dev/null 2>&1; exit 1; }
  docker commit "${changes[@]}" "$name" "$image" >/dev/null
  docker rm "$name" >/dev/null
}

build_runtime() {
  local netcore aspnet fxr
  netcore=$(cd "$dotnet_root/shared/Microsoft.NETCore.App" && ls | sort -V | tail -n 1)
  aspnet=$(cd "$dotnet_root/shared/Microsoft.AspNetCore.App" && ls | sort -V | tail -n 1)
  fxr=$(cd "$dotnet_root/host/fxr" && ls | sort -V | tail -n 1)
  local paths=(dotnet LICENSE.txt ThirdPartyNotices.txt "host/fxr/$fxr" "shared/Microsoft.NETCore.App/$netcore" "shared/Microsoft.AspNetCore.App/$aspnet")
  local inputs; inputs=$( { echo v1; docker image inspect --format '{{.Id}}' "$base_image"; listing "${paths[@]}"; } | hash_of)
  if up_to_date "$runtime_image" "$inputs"; then log "$runtime_image is up to date ($inputs)"; return; fi
  local t; t=$(date +%s)
  local copy=""
  for p in "${paths[@]}"; do copy+="mkdir -p /usr/share/dotnet/$(dirname "$p") && cp -a /host-dotnet/$p /usr/share/dotnet/$p; "; done
  commit_from_base "$runtime_image" "$inputs" "$copy ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet; dotnet --list-runtimes >/dev/null" \
    'ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_RUNNING_IN_CONTAINER=true ASPNETCORE_HTTP_PORTS=8080' \
    "ENV DOTNET_VERSION=$netcore ASPNET_VERSION=$aspnet" \
    'CMD ["/bin/bash"]'
  log "$runtime_image built in $(seconds_since "$t") s (runtime $netcore, ASP.NET Core $aspnet)"
}

build_sdk() {
  local inputs; inputs=$( { echo v1; docker image inspect --format '{{.Id}}' "$base_image"; listing .;
    cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true; echo "${NUGET_CERT_REVOCATION_MODE:-}"; } | hash_of)
  if up_to_date "$sdk_image" "$inputs"; then log "$sdk_image is up to date ($inputs)"; return; fi
  local t; t=$(date +%s)
  local sdk; sdk=$(cd "$dotnet_root/sdk" && ls | sort -V | tail -n 1)
  # The host's extra CA certificates (its egress proxy's) become trusted in the image, so NuGet reaches api.nuget.org.
  local changes=('ENV DOTNET_ROOT=/usr/share/dotnet DOTNET_RUNNING_IN_CONTAINER=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=false NUGET_XMLDOC_MODE=skip'
    "ENV DOTNET_SDK_VERSION=$sdk" 'CMD ["/bin/bash"]')
  [[ -z "${NUGET_CERT_REVOCATION_MODE:-}" ]] || changes+=("ENV NUGET_CERT_REVOCATION_MODE=$NUGET_CERT_REVOCATION_MODE")
  commit_from_base "$sdk_image" "$inputs" \
    "cp -a /host-dotnet /usr/share/dotnet; ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet;
     if ls /host-ca/*.crt >/dev/null 2>&1; then cp /host-ca/*.crt /usr/local/share/ca-certificates/; fi;
     update-ca-certificates >/dev/null 2>&1; dotnet --version >/dev/null" \
    "${changes[@]}"
  log "$sdk_image built in $(seconds_since "$t") s (SDK $sdk)"
}

command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "docker is not running" >&2; exit 1; }
case "$what" in
  base) build_base ;;
  runtime) build_base; build_runtime ;;
  sdk) build_base; build_sdk ;;
  all) build_base; build_runtime; build_sdk ;;
  *) echo "usage: $0 [base|runtime|sdk|all]" >&2; exit 2 ;;
esac

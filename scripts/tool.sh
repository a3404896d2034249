#!/usr/bin/env bash
# Runs a pinned CLI: `scripts/tool.sh buf lint`. The CLIs live in tools/go.mod
# (buf needs a newer protobuf than the services link, so tools stays out of
# go.work); they are built once into .bin/ and rebuilt when tools/go.sum changes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=$1
shift
declare -A pkgs=(
  [buf]=github.com/bufbuild/buf/cmd/buf
  [api-linter]=github.com/googleapis/api-linter/v2/cmd/api-linter
  [grpcurl]=github.com/fullstorydev/grpcurl/cmd/grpcurl
  [grpc-health-probe]=github.com/grpc-ecosystem/grpc-health-probe
  [ghz]=github.com/bojand/ghz/cmd/ghz
)
pkg=${pkgs[$name]:-}
if [[ -z "$pkg" ]]; then
  echo "tool.sh: unknown tool $name (one of: ${!pkgs[*]})" >&2
  exit 2
fi
bin="$root/.bin/$name"
sum=$(sha256sum "$root/tools/go.sum" | cut -c1-16)
if [[ ! -x "$bin" || "$(cat "$bin.sum" 2>/dev/null)" != "$sum" ]]; then
  mkdir -p "$root/.bin"
  GOWORK=off GOFLAGS=-mod=mod go -C "$root/tools" build -o "$bin" "$pkg"
  echo "$sum" >"$bin.sum"
fi
exec "$bin" "$@"

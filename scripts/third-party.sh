#!/usr/bin/env bash
# Fills the git-ignored third_party/proto with the pinned protos the contract imports:
#   google/api, google/rpc, google/type  from npm google-proto-files (integrity-checked)
#   buf/validate                         from the Go module github.com/bufbuild/protovalidate
#   protoc-gen-openapiv2/options         from the grpc-gateway module the api module links
# Everything comes from package registries; nothing is fetched from the Buf registry.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/third_party/proto"

GOOGLE_PROTO_FILES=6.0.1
GOOGLE_PROTO_FILES_SHA512='fbvUWVNh3rKGlVFWwlUNF7Sk1Tah0a89q02rLTXsWjbKKHGeuURAa8tl9rvu5TyWny1YiSIo5eDqF260Tai6vQ=='
PROTOVALIDATE=v1.2.2

stamp="$out/.stamp"
want="google-proto-files@$GOOGLE_PROTO_FILES protovalidate@$PROTOVALIDATE $(GOWORK=off go -C "$root/api" list -m -f '{{.Version}}' github.com/grpc-ecosystem/grpc-gateway/v2)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"

# google/api, google/rpc, google/type
(cd "$tmp" && npm pack --silent "google-proto-files@$GOOGLE_PROTO_FILES" >/dev/null 2>&1)
tgz="$tmp/google-proto-files-$GOOGLE_PROTO_FILES.tgz"
got=$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)
if [[ "$got" != "$GOOGLE_PROTO_FILES_SHA512" ]]; then
  echo "third-party: google-proto-files integrity mismatch: got $got" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp"
mkdir -p "$out/google/api"
cp "$tmp"/package/google/api/*.proto "$out/google/api/"
cp -r "$tmp/package/google/rpc" "$tmp/package/google/type" "$out/google/"

# buf/validate
pv=$(GOFLAGS=-mod=mod go mod download -json "github.com/bufbuild/protovalidate@$PROTOVALIDATE" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
mkdir -p "$out/buf/validate"
cp "$pv/proto/protovalidate/buf/validate/validate.proto" "$out/buf/validate/"

# protoc-gen-openapiv2/options
gw=$(GOWORK=off go -C "$root/api" list -m -f '{{.Dir}}' github.com/grpc-ecosystem/grpc-gateway/v2)
if [[ -z "$gw" || ! -d "$gw" ]]; then
  GOWORK=off go -C "$root/api" mod download github.com/grpc-ecosystem/grpc-gateway/v2
  gw=$(GOWORK=off go -C "$root/api" list -m -f '{{.Dir}}' github.com/grpc-ecosystem/grpc-gateway/v2)
fi
mkdir -p "$out/protoc-gen-openapiv2/options"
cp "$gw"/protoc-gen-openapiv2/options/*.proto "$out/protoc-gen-openapiv2/options/"

chmod -R u+w "$out"
echo "$want" >"$stamp"

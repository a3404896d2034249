#!/usr/bin/env bash
# Regenerates everything generated from the contract: Go messages, gRPC
# stubs, gateway handlers (api/gen) and the merged OpenAPI document
# (api/openapi). The output is committed; scripts/check.sh fails on drift.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
./scripts/third-party.sh
# The protoc plugins are tool directives of the api module: build them with
# the exact versions the services link.
mkdir -p .bin
go -C api build -o ../.bin/ \
  google.golang.org/protobuf/cmd/protoc-gen-go \
  google.golang.org/grpc/cmd/protoc-gen-go-grpc \
  github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway \
  github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2
rm -rf api/gen api/openapi/engage.swagger.json
./scripts/tool.sh buf generate
# expand_slashed_path_patterns names a path parameter by dropping the
# collection's trailing "s" ("agencies" → "agencie"); give it its real
# singular in the document (routing is in the generated Go, unaffected).
sed -i -E 's/\bagencie\b/agency/g' api/openapi/engage.swagger.json

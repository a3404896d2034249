# The commands a contributor needs. Everything runs offline once the Go module
# cache and npm package for the third-party protos are reachable.
GO_PKGS := ./api/... ./gateway/... ./services/...

.PHONY: run demo test check generate bench build

## run: start every service and the gateway in one process on ./data
run:
	go run ./services/cmd/engage serve

## demo: the same, seeded with a demo agency on first start
demo:
	go run ./services/cmd/engage serve --demo

## test: every test of every module, with the race detector (xmllint, which
## the alerts tests validate CAP documents with, is installed when missing)
test:
	./scripts/apt.sh xmllint libxml2-utils
	go test -race -shuffle=on -count=1 -timeout 20m $(GO_PKGS)

## check: proto format, lint and AIP lint, generated-code drift, breaking changes, vet, import rules
check:
	./scripts/check.sh

## generate: regenerate api/gen and the OpenAPI document from api/proto
generate:
	./scripts/generate.sh

## bench: the load programs comparing Engage with bare gRPC and REST baselines
bench:
	go run ./services/bench

## build: the engage binary into ./bin
build:
	go build -o bin/engage ./services/cmd/engage

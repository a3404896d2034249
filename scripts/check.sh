#!/usr/bin/env bash
# The contract and layout checks CI runs besides the tests:
#   buf format + lint, the AIP linter, generated-code drift, compose file
#   syntax (when a docker client is present) and the import-rule test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "== buf format / lint"
./scripts/third-party.sh
./scripts/tool.sh buf format --diff --exit-code api/proto
./scripts/tool.sh buf lint

echo "== api-linter (AIP)"
protos=$(cd api/proto && find engage -name '*.proto' | sort)
# shellcheck disable=SC2086
./scripts/tool.sh api-linter -I api/proto -I third_party/proto --config api/api-linter.yaml \
  --set-exit-status --output-format=summary $protos

echo "== generated code is current"
./scripts/generate.sh
if [[ -n "$(git status --porcelain -- api/gen api/openapi)" ]]; then
  git status --porcelain -- api/gen api/openapi
  echo "generated code differs from the protos: run scripts/generate.sh and commit" >&2
  exit 1
fi

echo "== breaking changes against main"
if git rev-parse -q --verify main >/dev/null && [[ "$(git rev-parse HEAD)" != "$(git rev-parse main)" ]]; then
  base=$(mktemp -d)
  git worktree add -q --detach "$base" main
  trap 'git worktree remove --force "$base"' EXIT
  (cd "$base" && ./scripts/third-party.sh && "$root/scripts/tool.sh" buf build api/proto -o "$base/base.binpb")
  ./scripts/tool.sh buf breaking api/proto --against "$base/base.binpb"
else
  echo "(on main: nothing to compare)"
fi

echo "== go vet"
go vet ./api/... ./services/... ./gateway/...

echo "== import rules"
go test -count=1 -run TestImportRules ./services/internal/layout/

echo "== docker compose config"
if docker compose version >/dev/null 2>&1; then
  ENGAGE_INTERNAL_SECRET=check docker compose config -q
elif command -v docker-compose >/dev/null 2>&1; then
  ENGAGE_INTERNAL_SECRET=check docker-compose config -q
else
  echo "no compose client: install docker-compose (apt) to check docker-compose.yml" >&2
  exit 1
fi
echo "checks passed"

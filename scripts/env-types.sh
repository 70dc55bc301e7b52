#!/usr/bin/env bash
# `Env` is generated from wrangler.toml by `wrangler types` into worker-configuration.d.ts
# (committed). `scripts/env-types.sh` regenerates it; `scripts/env-types.sh --check` fails
# when the committed file is not what wrangler.toml gives today.
# Generation runs in a scratch directory holding only wrangler.toml, so a local .dev.vars
# (secrets of one machine) never leaks into the committed types.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export WRANGLER_SEND_METRICS=false
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp "$repo/wrangler.toml" "$scratch/"
(cd "$scratch" && "$repo/node_modules/.bin/wrangler" types --include-runtime=false --strict-vars=false >/dev/null)
if [ "${1:-}" = "--check" ]; then
  if ! diff -u "$repo/worker-configuration.d.ts" "$scratch/worker-configuration.d.ts"; then
    echo "worker-configuration.d.ts is out of date with wrangler.toml: run scripts/env-types.sh and commit it." >&2
    exit 1
  fi
  echo "worker-configuration.d.ts matches wrangler.toml."
else
  cp "$scratch/worker-configuration.d.ts" "$repo/worker-configuration.d.ts"
  echo "wrote worker-configuration.d.ts"
fi

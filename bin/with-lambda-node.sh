#!/usr/bin/env bash
# Runs a command with Node.js 22, Lambda's runtime, first on PATH: the npm registry's `node` package
# for that version ships the binary, so nothing is installed by hand (npx caches it in ~/.npm).
set -euo pipefail
LAMBDA_NODE_VERSION=22.23.3
node22=$(npx -y "node@${LAMBDA_NODE_VERSION}" -p process.execPath)
export PATH="$(dirname "$node22"):$PATH"
echo "with Node.js $(node --version) ($node22)"
exec "$@"

#!/usr/bin/env bash
# web-check.sh rebuilds the web UI from web/ (npm ci, then npm run build, which
# type-checks and bundles with Vite into internal/web/dist) and fails when the
# committed bundle differs from that build. The binary embeds
# internal/web/dist, so a change to web/ without a rebuild, or a hand edit of
# the bundle, would ship something other than what the sources say.
#
# Needs Node.js 20.19 or newer with npm, and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "web-check.sh: $*" >&2; }

if ! command -v npm >/dev/null; then
	log "npm is missing: install Node.js 20.19 or newer"
	exit 1
fi
log "node $(node --version), npm $(npm --version)"
(cd web && npm ci --no-audit --no-fund && npm run build) >&2

changed=$(git status --porcelain --untracked-files=all -- internal/web/dist)
if [[ -n "$changed" ]]; then
	log "internal/web/dist differs from a build of web/:"
	echo "$changed" >&2
	log "run (cd web && npm ci && npm run build) and commit internal/web/dist"
	exit 1
fi
log "internal/web/dist matches web/"

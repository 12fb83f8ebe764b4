#!/usr/bin/env bash
# Builds sekimori and VictoriaLogs' server, then runs "sekimori bench ingest"
# with both side by side on the same generated FortiGate lines.
#
#   scripts/bench-ingest.sh                      # 1,000,000 lines
#   scripts/bench-ingest.sh --lines 5000000      # the issue's query-target size
#   scripts/bench-ingest.sh --lines 5000000 -o json > result.json
#   scripts/bench-ingest.sh --lines 5000000 --again  # sekimori again after VictoriaLogs,
#                                                   # so that drift between the runs shows
#
# Extra arguments go to "sekimori bench ingest" (see its -h). VictoriaLogs
# is built from the Go module proxy in a scratch module, so our go.mod is
# not touched; set VICTORIALOGS=/path/to/victoria-logs to use another
# binary, or VICTORIALOGS=none to skip the comparison. Needs Go, Linux
# (the bench reads /proc) and about 3 KB of free disk per line.
set -euo pipefail
cd "$(dirname "$0")/.."

VL_VERSION=${VL_VERSION:-v1.52.1}
out=${BENCH_BIN_DIR:-$(mktemp -d)}

echo "== building sekimori" >&2
go build -o "$out/sekimori" ./cmd/sekimori

vl=${VICTORIALOGS:-}
if [ -z "$vl" ]; then
  echo "== building victoria-logs $VL_VERSION (scratch module in $out/vlbuild)" >&2
  mkdir -p "$out/vlbuild"
  if (cd "$out/vlbuild" &&
      { [ -f go.mod ] || go mod init vlbuild >/dev/null 2>&1; } &&
      # Get the main package, not only the module, so that go.sum has
      # every module it imports.
      go get "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$VL_VERSION" >/dev/null 2>&1 &&
      go build -o "$out/victoria-logs" github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs); then
    vl="$out/victoria-logs"
  else
    echo "== could not build victoria-logs; running sekimori alone" >&2
    vl=none
  fi
fi

args=(bench ingest)
if [ "$vl" != none ]; then
  args+=(--victorialogs "$vl")
fi
echo "== $out/sekimori ${args[*]} $*" >&2
exec "$out/sekimori" "${args[@]}" "$@"

#!/usr/bin/env bash
# Installs what is missing, builds mmp, and plans the bundled example:
# Data/examples/resnet_tiny (a small residual CNN) with its requests and an HTP-like
# kernel config. The plan goes to out/resnet_tiny/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
swift build --product mmp --quiet
BIN="$(swift build --show-bin-path)/mmp"

EX=Data/examples/resnet_tiny
OUT=out/resnet_tiny
echo "\$ mmp plan --sim $EX/sim.json --requests $EX/requests.yaml --config Data/configs/htp_like.json --out-dir $OUT"
"$BIN" plan --sim "$EX/sim.json" --requests "$EX/requests.yaml" --config Data/configs/htp_like.json --out-dir "$OUT"
echo
echo "The report: $OUT/mmp_log.txt; the plan: $OUT/plan.json; the updated sim graph: $OUT/sim.json"

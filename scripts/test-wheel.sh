#!/usr/bin/env bash
# Checks the wheel as a Python-only user meets it: builds it (scripts/build-wheel.sh)
# unless dist/ has one, installs it into a fresh virtual environment with a PATH that
# holds no Swift toolchain, and plans the bundled example with the `mmp` it installed,
# both from the shell and through the bridge's lookup. Run by hand (it makes a release
# build); it is not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WHEEL="$(ls dist/mmp_aimet-*.whl 2>/dev/null | head -1 || true)"
if [ -z "$WHEEL" ]; then
  bash scripts/build-wheel.sh
  WHEEL="$(ls dist/mmp_aimet-*.whl | head -1)"
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python3 -m venv "$TMP/venv"
CLEAN_PATH="$TMP/venv/bin:/usr/bin:/bin"
run() { env -i HOME="$HOME" PATH="$CLEAN_PATH" "$@"; }
run "$TMP/venv/bin/pip" install --quiet --disable-pip-version-check "$ROOT/$WHEEL"
if run bash -c 'command -v swift' >/dev/null; then
  echo "test-wheel: swift is on the clean PATH; the check would prove nothing" >&2; exit 1
fi
run mmp --version
run mmp plan --sim "$ROOT/Data/examples/resnet_tiny/sim.json" \
  --requests "$ROOT/Data/examples/resnet_tiny/requests.yaml" --out-dir "$TMP/out"
test -s "$TMP/out/plan.json"
# The bridge finds the binary it carries before $MMP and PATH.
run env MMP=/nonexistent python -c '
from mmp_aimet.configurator import _mmp
from mmp_aimet._binary import packaged
assert _mmp() == packaged() is not None, (_mmp(), packaged())
print("the bridge runs", _mmp())'
echo "test-wheel: $WHEEL installs and plans without Swift"

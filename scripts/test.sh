#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite: the Swift tests, then the Python
# tests (the AIMET bridge round trips, ONNX Runtime with a plan's overrides) when aimet-torch
# or onnxruntime is importable (by $MMP_PYTHON, default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# The code is formatted by .swift-format; a change that is not fails here, before the tests.
if swift format --version >/dev/null 2>&1; then
  git ls-files 'Sources/*.swift' 'Tests/*.swift' 'Benchmarks/*.swift' 'Fuzz/*.swift' 'Package.swift' 2>/dev/null \
    | grep -v '\.pb\.swift$' | xargs swift format lint --strict --parallel
fi
swift test "$@"

PYTHON="${MMP_PYTHON:-python3}"
# The Python tests (aimet-bridge/tests) run when the Python has aimet-torch (the bridge
# round trips) or onnx and onnxruntime (the ONNX Runtime overrides); each test module
# skips itself, with the reason, when what it needs is missing.
has() { command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -c "import $1" >/dev/null 2>&1; }
if has aimet_torch || has "onnx, onnxruntime, numpy"; then
  has aimet_torch || echo "aimet-torch is not importable by $PYTHON: the AIMET bridge round trips skip; the ONNX Runtime test runs."
  has "onnx, onnxruntime, numpy" || echo "onnx/onnxruntime is not importable by $PYTHON: the ONNX Runtime overrides test skips."
  swift build --product mmp --quiet
  MMP="$(swift build --show-bin-path)/mmp" "$PYTHON" -m unittest discover -s aimet-bridge/tests -v
else
  echo "Skipping the Python tests (aimet-bridge/tests): neither aimet-torch nor onnx+onnxruntime is importable by $PYTHON; set MMP_PYTHON to a Python that has them."
fi

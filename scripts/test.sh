#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite: the Swift tests, then the AIMET
# bridge round trip when aimet-torch is importable (by $MMP_PYTHON, default python3).
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
if command -v "$PYTHON" >/dev/null 2>&1 && "$PYTHON" -c "import aimet_torch" >/dev/null 2>&1; then
  swift build --product mmp --quiet
  MMP="$(swift build --show-bin-path)/mmp" "$PYTHON" -m unittest discover -s aimet-bridge/tests -v
else
  echo "Skipping the AIMET bridge round trip (aimet-bridge/tests): aimet-torch is not importable by $PYTHON; set MMP_PYTHON to a Python that has it."
fi

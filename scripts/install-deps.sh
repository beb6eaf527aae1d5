#!/usr/bin/env bash
# Installs what mmp needs beyond the Swift toolchain: GLPK's headers and library.
# Does nothing when they are already present.
set -euo pipefail

if [ -f /usr/include/glpk.h ] || [ -f /usr/local/include/glpk.h ] || [ -f /opt/homebrew/include/glpk.h ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  echo "mmp: installing GLPK (libglpk-dev)…" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libglpk-dev >/dev/null
elif command -v brew >/dev/null 2>&1; then
  brew install glpk
else
  echo "mmp: please install GLPK (Debian/Ubuntu: libglpk-dev; macOS: brew install glpk)" >&2
  exit 1
fi

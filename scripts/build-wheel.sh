#!/usr/bin/env bash
# Builds the mmp-aimet wheel into dist/: the Python bridge with a release `mmp` inside,
# built with the Swift standard library and GLPK linked statically, so that the wheel
# installs and plans on a machine with no Swift toolchain and no GLPK. The binary then
# needs only the C and C++ runtimes (libc, libm, libstdc++, libgcc_s).
#
#   bash scripts/build-wheel.sh          # → dist/mmp_aimet-<version>-py3-none-linux_<arch>.whl
#   pip install dist/mmp_aimet-*.whl     # anywhere with the same libc or newer
#
# Needs: Swift 6.1+ and python3 with venv; installs GLPK's and libltdl's static archives
# with apt-get when missing. Everything it builds stays under .build-wheel/ and dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
WORK="$ROOT/.build-wheel"
ARCH="$(uname -m)"
LIBDIR="/usr/lib/${ARCH}-linux-gnu"
[ -d "$LIBDIR" ] || LIBDIR="/usr/lib"

# 1. Static archives: GLPK and what it calls (AMD/COLAMD, SuiteSparse's config, GMP, zlib,
#    libltdl for its optional dynamic loading).
bash scripts/install-deps.sh
ARCHIVES=(libglpk.a libamd.a libcolamd.a libsuitesparseconfig.a libgmp.a libz.a libltdl.a)
missing=()
for a in "${ARCHIVES[@]}"; do [ -f "$LIBDIR/$a" ] || missing+=("$a"); done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
    echo "build-wheel: installing static libraries for ${missing[*]}…" >&2
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libglpk-dev libltdl-dev libgmp-dev \
      libsuitesparse-dev zlib1g-dev >/dev/null
  fi
  for a in "${ARCHIVES[@]}"; do
    [ -f "$LIBDIR/$a" ] || { echo "build-wheel: $LIBDIR/$a is missing; install GLPK's static libraries" >&2; exit 1; }
  done
fi

# One archive named libglpk.a holding all of them: `-lglpk` (from the CGLPK module map)
# finds it first on the search path and links everything it needs from it statically.
rm -rf "$WORK"
mkdir -p "$WORK/static" "$ROOT/dist"
{
  echo "create $WORK/static/libglpk.a"
  for a in "${ARCHIVES[@]}"; do echo "addlib $LIBDIR/$a"; done
  echo "save"
  echo "end"
} | ar -M

# 2. The release binary.
swift build -c release --product mmp --static-swift-stdlib \
  --scratch-path "$WORK/swift" -Xlinker -L"$WORK/static"
BIN="$(swift build -c release --product mmp --static-swift-stdlib --scratch-path "$WORK/swift" --show-bin-path)/mmp"
strip "$BIN" 2>/dev/null || true

# Nothing beyond the C/C++ runtimes may be needed: a wheel that needs GLPK or Swift's
# libraries would install and then fail on the user's machine.
needed="$(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')"
for lib in $needed; do
  case "$lib" in
    libc.so.*|libm.so.*|libstdc++.so.*|libgcc_s.so.*|libdl.so.*|libpthread.so.*|librt.so.*|ld-linux*|libutil.so.*) ;;
    *) echo "build-wheel: the binary needs $lib, which a wheel cannot assume (needs: $needed)" >&2; exit 1 ;;
  esac
done
"$BIN" --version >/dev/null

# 3. The wheel: the bridge package with the binary in mmp_aimet/bin/, tagged for this
#    platform (py3-none-linux_<arch>: any Python 3, this OS and architecture), with an
#    `mmp` command that runs the bundled binary.
PKG="$WORK/pkg"
mkdir -p "$PKG"
cp -R aimet-bridge/mmp_aimet aimet-bridge/README.md aimet-bridge/pyproject.toml "$PKG/"
find "$PKG" -name __pycache__ -prune -exec rm -rf {} +
mkdir -p "$PKG/mmp_aimet/bin"
install -m 0755 "$BIN" "$PKG/mmp_aimet/bin/mmp"
cat >> "$PKG/pyproject.toml" <<'EOF'

[project.scripts]
mmp = "mmp_aimet._binary:main"
EOF
cat > "$PKG/setup.py" <<'EOF'
"""Tags the wheel for the platform of the binary it carries (it has no Python extension)."""
from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


setup(cmdclass={"bdist_wheel": PlatformWheel})
EOF

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "setuptools>=70.1" wheel
"$WORK/venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
  -w "$ROOT/dist" "$PKG"
ls "$ROOT"/dist/mmp_aimet-*.whl

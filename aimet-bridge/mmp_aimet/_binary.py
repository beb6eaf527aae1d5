"""The mmp executable a wheel of this package carries (scripts/build-wheel.sh puts it in
``mmp_aimet/bin/``), and the ``mmp`` command the wheel installs to run it."""
import os
import sys


def packaged():
    """The bundled executable, or None (a source install carries none)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "mmp")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def main():
    """``mmp …`` from a wheel: runs the bundled binary with the same arguments."""
    exe = packaged()
    if exe is None:
        sys.stderr.write("mmp: this installation of mmp-aimet carries no mmp binary; "
                         "install the wheel made by scripts/build-wheel.sh, or build mmp with swift build\n")
        return 1
    os.execv(exe, [exe] + sys.argv[1:])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())

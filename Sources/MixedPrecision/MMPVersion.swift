import MMPFormats
import MMPModel
import MMPSolving

/// The version of mmp, printed by `mmp --version` and `mmp version`; kept equal to the
/// AIMET bridge's package version (`aimet-bridge/pyproject.toml`), which a test checks.
public enum MMPVersion {
    public static let current = "0.2.0"
}

import FuzzDriver
import MixedPrecision

// One request file, read as `mmp` reads it. Any input must give requests or an
// `MMPError`; a trap, a hang or a leak is a finding.
runFuzzer { bytes in
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    _ = try? RequestFile.parse(text)
}

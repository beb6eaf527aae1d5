import FuzzDriver
import MixedPrecision

// One AIMET quantsim config, read as `--config` is read.
runFuzzer { bytes in _ = try? QuantSimConfigFile.read(Array(bytes)) }

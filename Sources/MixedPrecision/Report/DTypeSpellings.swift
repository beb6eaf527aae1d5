import MMPFormats
import MMPModel
import MMPSolving

/// Each dtype's spelling, made the first time a writer meets it. A large plan writes
/// several dtypes per quantizer, a million times over, and there are only a handful of
/// distinct ones: finding one among those few beats hashing it.
struct DTypeSpellings {
    private var known: [DType] = []
    private var spellings: [[UInt8]] = []

    /// Appends the spelling of `d` (`int8`, `fp16`) to `out`.
    mutating func append(_ d: DType, to out: inout ByteBuffer) {
        if let k = known.firstIndex(of: d) {
            out.append(contentsOf: spellings[k])
            return
        }
        let spelling = Array(d.description.utf8)
        known.append(d)
        spellings.append(spelling)
        out.append(contentsOf: spelling)
    }
}

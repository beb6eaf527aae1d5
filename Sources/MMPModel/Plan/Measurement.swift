/// How a request's targets fared under some dtypes: the one measure behind a plan's
/// outcomes and behind what best-effort would do instead of a conflict.
package struct Measurement {
    /// Missed targets: explicit ones first, then derived ones, each in target order.
    package var deviations: [Plan.Deviation] = []
    /// Quantizer slots of the explicit targets.
    package var slots = 0
    /// Of those, the ones whose dtype is not the one asked.
    package var missed = 0

    /// Measures `targets` (one request's) against `realized`.
    package init<S: Sequence<Target>>(_ targets: S, realized: (QuantizerID) -> DType) {
        var derived: [Plan.Deviation] = []
        for t in targets {
            for q in t.quantizers {
                if t.tier == .explicit { slots += 1 }
                let d = realized(q)
                guard d != t.dtype else { continue }
                let deviation = Plan.Deviation(quantizer: q, origin: t.origin, tier: t.tier, requested: t.dtype, realized: d)
                if t.tier == .explicit {
                    missed += 1
                    deviations.append(deviation)
                } else {
                    derived.append(deviation)
                }
            }
        }
        deviations += derived
    }

    /// Honoured when nothing explicit is missed, not honoured when everything is.
    package var status: Plan.Outcome.Status {
        missed == 0 ? .honored : missed == slots ? .notHonored : .partiallyHonored
    }
}

import Foundation

/// Small valid input files, and ways to break them.
enum Samples {
    /// x → conv → relu (transparent) → fc → y
    static let sim = """
        {
          "format": "mmp-sim/1",
          "model": "Tiny",
          "inputs": ["x"],
          "outputs": ["y"],
          "ops": [
            {"name": "conv", "type": "Conv", "class": "torch.nn.modules.conv.Conv2d", "module": "body.conv",
             "inputs": ["x"], "outputs": ["c"], "input_quantizers": ["conv.in"], "output_quantizers": ["conv.out"],
             "params": {"weight": "conv.w", "bias": null}},
            {"name": "relu", "type": "Relu", "module": "body.relu", "inputs": ["c"], "outputs": ["r"],
             "input_quantizers": [null], "output_quantizers": [null]},
            {"name": "fc", "type": "Gemm", "class": "torch.nn.modules.linear.Linear", "module": "head",
             "inputs": ["r"], "outputs": ["y"], "input_quantizers": [null], "output_quantizers": ["fc.out"],
             "params": {"weight": "fc.w"}}
          ],
          "quantizers": {
            "conv.in": {"dtype": "int8", "symmetric": false, "encoding": {"min": -1.5, "max": 2.0e0}},
            "conv.out": {"dtype": "int8"},
            "conv.w": {"dtype": "int8", "symmetric": true},
            "fc.out": {"dtype": "int8"},
            "fc.w": {"dtype": "int8"}
          }
        }
        """

    static let requests = """
        requests:
          - set_precision: {module: head, activation: int16, param: {weight: int16}}
          - set_model_input_precision: {activation: int16}
        """

    /// Two siblings read conv's output; asking them for different dtypes conflicts.
    static let conflictSim = """
        {"format": "mmp-sim/1", "inputs": ["x"], "outputs": ["a", "b"],
         "ops": [
           {"name": "conv", "type": "Conv", "inputs": ["x"], "outputs": ["c"], "input_quantizers": ["q.in"], "output_quantizers": ["q.c"]},
           {"name": "left", "type": "Conv", "inputs": ["c"], "outputs": ["a"], "input_quantizers": [null], "output_quantizers": [null]},
           {"name": "right", "type": "Conv", "inputs": ["c"], "outputs": ["b"], "input_quantizers": [null], "output_quantizers": [null]}
         ],
         "quantizers": {"q.in": {"dtype": "int8"}, "q.c": {"dtype": "int8"}}}
        """

    static let conflictRequests = """
        requests:
          - set_precision: {module: left, activation: int16}
          - set_precision: {module: right, activation: int4}
        """

    /// `sim` with the first occurrence of `old` replaced by `new`.
    static func sim(replacing old: String, with new: String) -> String {
        guard let range = sim.range(of: old) else { return "sample does not contain \(old)" }
        return sim.replacingCharacters(in: range, with: new)
    }
}

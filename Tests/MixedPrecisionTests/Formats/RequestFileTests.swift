import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Reading request files (contract §3).
@Suite struct RequestFileTests {
    @Test func readsEveryRequestKindInYAML() throws {
        let requests = try RequestFile.parse(
            """
            requests:
              - set_precision: {module: features.1.conv.0.0, activation: int16, param: {weight: int16}}
              - set_precision: {module_type: AvgPool2d, activation: int16}
              - set_precision: {pattern: "blocks.*.fc2", activation: [int16], param: {weight: int8}}
              - set_precision: {module: "", activation: fp16}
              - set_model_input_precision: {activation: int16}
              - set_model_output_precision: {activation: [null, int16]}
            """)
        #expect(
            requests == [
                .setPrecision(.module("features.1.conv.0.0"), activation: .all(.int16), param: [.init("weight", .int16)]),
                .setPrecision(.moduleType("AvgPool2d"), activation: .all(.int16), param: []),
                .setPrecision(.pattern("blocks.*.fc2"), activation: .each([.int16]), param: [.init("weight", .int8)]),
                .setPrecision(.module(""), activation: .all(.fp16), param: []),
                .setModelInputPrecision(.all(.int16)),
                .setModelOutputPrecision(.each([nil, .int16]))
            ])
    }

    @Test func readsJSON() throws {
        let requests = try RequestFile.parse(#"{"requests": [{"set_precision": {"module": "a", "param": {"weight": "int4"}}}]}"#)
        #expect(requests == [.setPrecision(.module("a"), activation: nil, param: [.init("weight", .int4)])])
    }

    static let invalid: [(String, String)] = [
        (
            "requests:\n  - set_precision: {module: a, activation: int2}",
            "line 2, column 44 (requests[0].set_precision.activation): unknown dtype 'int2'"
        ),
        ("requests:\n  - set_precision: {modul: a, activation: int8}", "unknown key 'modul' in set_precision"),
        ("requests:\n  - set_precision: {module: a, module_type: Conv, activation: int8}", "exactly one of module, module_type, pattern"),
        ("requests:\n  - set_precision: {module: a}", "asks for nothing"),
        ("requests:\n  - set_precision: {module: a, activation: [int8, fp32]}", "unknown dtype 'fp32'"),
        ("requests:\n  - set_precison: {module: a}", "unknown key 'set_precison' in a request"),
        ("requests:\n  - set_model_input_precision: {}", "needs 'activation'"),
        ("requests: [", "malformed YAML"),
        ("{\"requests\": [}", "malformed JSON: line 1, column 15"),
        ("request: []", "unknown key 'request' in the file"),
        ("", "the file is empty"),
        ("requests: {a: 1}", "'requests' must be a list"),
        ("requests:\n  - set_precision: {module: a, param: int8}", "'param' must map param names to dtypes"),
        (
            "requests:\n  - set_precision: {module: {a: 1}, activation: int8}",
            "'module' must be a module path or a list of them, found a mapping"
        ),
        ("requests:\n  - set_precision: {module_type: [Conv], activation: int8}", "'module_type' must be a string, found a list")
    ]

    @Test(arguments: invalid)
    func invalidRequestFileNamesTheProblemAndWhere(_ c: (String, String)) {
        do {
            _ = try RequestFile.parse(c.0)
            Issue.record("accepted: \(c.0)")
        } catch {
            #expect("\(error)".contains(c.1), "\(error)")
        }
    }
}

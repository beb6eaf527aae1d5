"""A plan reaches ONNX Runtime: ``mmp plan --onnx`` on a small model with real weights,
then ``quantize_static`` with ``load_ort_overrides``; the QDQ model carries 16-bit types
exactly where the plan put int16, 4-bit on the int4 weights, and leaves the nodes the plan
keeps in fp16 unquantized. Needs onnx, onnxruntime and numpy, and the mmp binary ($MMP,
else PATH); skipped otherwise.

Run: MMP=/path/to/mmp python -m unittest aimet-bridge/tests/test_ort_overrides.py
"""
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, ".."))

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import CalibrationDataReader, QuantType, quantize, quantize_static
    from onnxruntime.quantization.execution_providers.qnn import get_qnn_qdq_config
    HAVE_ORT = True
except ImportError:  # pragma: no cover
    HAVE_ORT = False

MMP = os.environ.get("MMP") or shutil.which("mmp")

REQUESTS = """\
requests:
  - set_precision: {module: conv1, activation: int16, param: {weight: int16}}
  - set_precision: {module: conv2, param: {weight: int4}}
  - set_precision: {module: fc2, activation: fp16}
"""

SIXTEEN = {TensorProto.INT16, TensorProto.UINT16}
FOUR = {TensorProto.INT4, TensorProto.UINT4}


def make_model(path, opset):
    """x -> conv1 -> relu1 -> conv2 -> relu2 -> conv3 -> relu3 -> flatten -> fc1 -> relu4 -> fc2 -> y,
    with seeded random weights."""
    rng = np.random.default_rng(0)

    def init(name, *shape):
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.2).astype(np.float32), name)

    inits = [init("conv1.weight", 8, 3, 3, 3), init("conv1.bias", 8), init("conv2.weight", 8, 8, 3, 3),
             init("conv2.bias", 8), init("conv3.weight", 8, 8, 3, 3), init("conv3.bias", 8),
             init("fc1.weight", 16, 8 * 8 * 8), init("fc1.bias", 16), init("fc2.weight", 10, 16), init("fc2.bias", 10)]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    nodes = [
        helper.make_node("Conv", ["x", "conv1.weight", "conv1.bias"], ["c1"], name="conv1", **conv),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "conv2.weight", "conv2.bias"], ["c2"], name="conv2", **conv),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Conv", ["r2", "conv3.weight", "conv3.bias"], ["c3"], name="conv3", **conv),
        helper.make_node("Relu", ["c3"], ["r3"], name="relu3"),
        helper.make_node("Flatten", ["r3"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc1.weight", "fc1.bias"], ["g1"], name="fc1", transB=1),
        helper.make_node("Relu", ["g1"], ["r4"], name="relu4"),
        helper.make_node("Gemm", ["r4", "fc2.weight", "fc2.bias"], ["y"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="test")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


if HAVE_ORT:
    class RandomInputs(CalibrationDataReader):
        def __init__(self, count=8):
            rng = np.random.default_rng(1)
            self.batches = iter([{"x": rng.standard_normal((1, 3, 8, 8)).astype(np.float32)} for _ in range(count)])

        def get_next(self):
            return next(self.batches, None)


def qdq_types(model):
    """Original tensor name -> element type of its quantized form, for every tensor the
    QDQ model quantizes: an activation through QuantizeLinear (the zero point's type), a
    weight stored quantized (the `<name>_quantized` initializer's type)."""
    inits = {t.name: t for t in model.graph.initializer}
    types = {}
    for node in model.graph.node:
        if node.op_type == "QuantizeLinear" and len(node.input) > 2 and node.input[2] in inits:
            types[node.input[0]] = inits[node.input[2]].data_type
        if node.op_type == "DequantizeLinear" and node.input[0] in inits and node.input[0].endswith("_quantized"):
            types[node.input[0][: -len("_quantized")]] = inits[node.input[0]].data_type
    return types


@unittest.skipUnless(HAVE_ORT, "onnx, onnxruntime or numpy is not importable: the ONNX Runtime overrides test is skipped")
@unittest.skipUnless(MMP, "no mmp binary: set MMP=/path/to/mmp (swift build --show-bin-path)")
class OrtOverrides(unittest.TestCase):
    def plan_and_quantize(self, opset, qnn=False):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        model_path, out = os.path.join(tmp, "small.onnx"), os.path.join(tmp, "out")
        make_model(model_path, opset)
        with open(os.path.join(tmp, "requests.yaml"), "w") as f:
            f.write(REQUESTS)
        run = subprocess.run([MMP, "plan", "--onnx", model_path, "--config", os.path.join(ROOT, "Data/configs/default.json"),
                              "--requests", os.path.join(tmp, "requests.yaml"), "--out-dir", out],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        with open(os.path.join(out, "plan.json")) as f:
            plan = json.load(f)
        with open(os.path.join(out, "ort_quant_overrides.json")) as f:
            raw = json.load(f)

        from mmp_aimet import load_ort_overrides
        ort = load_ort_overrides(os.path.join(out, "ort_quant_overrides.json"))
        qdq_path = os.path.join(tmp, "small.qdq.onnx")
        logging.disable(logging.WARNING)  # onnxruntime warns about pre-processing and opsets
        try:
            if qnn:
                # The plan names every tensor's type: ONNX Runtime's own converts would undo it.
                config = get_qnn_qdq_config(model_path, RandomInputs(), init_overrides=ort.tensor_quant_overrides,
                                            add_qtype_converts=False, nodes_to_exclude=ort.nodes_to_exclude)
                quantize(model_path, qdq_path, config)
            else:
                quantize_static(model_path, qdq_path, RandomInputs(), nodes_to_exclude=ort.nodes_to_exclude,
                                extra_options=ort.extra_options)
        finally:
            logging.disable(logging.NOTSET)
        return plan, raw, ort, onnx.load(qdq_path)

    def check(self, opset, qnn=False):
        plan, raw, ort, qdq = self.plan_and_quantize(opset, qnn)
        dtypes = {name: q["dtype"] for name, q in plan["quantizers"].items()}
        self.assertEqual({n for n, d in dtypes.items() if d == "int16"}, {"x", "conv1.weight"})
        self.assertEqual({n for n, d in dtypes.items() if d == "int4"}, {"conv2.weight"})
        # fc2 reads fp16 and, as a model output, writes it (contract §5).
        self.assertEqual({n for n, d in dtypes.items() if d == "fp16"}, {"r4", "y"})

        # The loader: QuantType values, the nodes, and the extra options quantize_static takes.
        self.assertEqual(ort.tensor_quant_overrides["x"], [{"quant_type": QuantType.QUInt16, "symmetric": False}])
        self.assertEqual(ort.tensor_quant_overrides["conv2.weight"], [{"quant_type": QuantType.QInt4, "symmetric": True}])
        self.assertIs(ort.extra_options["TensorQuantOverrides"], ort.tensor_quant_overrides)
        self.assertEqual(ort.extra_options.get("UseQDQContribOps"), True if opset < 21 else None)
        self.assertEqual(raw["nodes_to_exclude"], ["fc1", "relu4", "fc2"])
        self.assertEqual(ort.nodes_to_exclude, ["fc1", "relu4", "fc2"])
        self.assertNotIn("r4", raw["TensorQuantOverrides"])  # fp16: no QuantType says float

        types = qdq_types(qdq)
        sixteen = {t for t, ty in types.items() if ty in SIXTEEN}
        four = {t for t, ty in types.items() if ty in FOUR}
        self.assertEqual(sixteen, {"x", "conv1.weight"}, types)
        self.assertEqual(four, {"conv2.weight"}, types)
        # Every other quantized tensor is 8-bit (biases are ONNX Runtime's int32).
        for t, ty in types.items():
            if t not in sixteen | four and not t.endswith(".bias"):
                self.assertIn(ty, {TensorProto.INT8, TensorProto.UINT8}, t)
        # The tensors the plan keeps in int8 are quantized, up to the Flatten fc1 reads.
        for t in ("r1", "r2", "r3", "flat", "conv3.weight"):
            self.assertIn(t, types)
        # The fp16 nodes: float weights read directly, float outputs never quantized.
        produced = {o: n for n in qdq.graph.node for o in n.output}
        consumers = {}
        for n in qdq.graph.node:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        by_name = {n.name: n for n in qdq.graph.node}
        for name, weight in (("fc1", "fc1.weight"), ("fc2", "fc2.weight")):
            node = by_name[name]
            self.assertEqual(node.input[1], weight, f"{name} reads its weight unquantized")
            self.assertNotIn(weight, types)
        for t in ("g1", "r4", "y"):
            self.assertFalse(any(c.op_type == "QuantizeLinear" for c in consumers.get(t, [])), t)
            self.assertNotIn(t, types)
        self.assertEqual(produced["y"].name, "fc2")

    def test_an_inserted_convert_reaches_only_its_node(self):
        """--insert-converts: a and b read what stem writes, asked int16 and int8; the plan
        inserts one convert, on a's edge. ONNX Runtime quantizes s at 8 bits for b and
        converts it to 16 bits for a alone."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        rng = np.random.default_rng(0)

        def init(name, *shape):
            return numpy_helper.from_array((rng.standard_normal(shape) * 0.2).astype(np.float32), name)

        nodes = [helper.make_node("Conv", ["x", "stem.weight"], ["s"], name="stem"),
                 helper.make_node("Conv", ["s", "a.weight"], ["ya"], name="a"),
                 helper.make_node("Conv", ["s", "b.weight"], ["yb"], name="b")]
        graph = helper.make_graph(nodes, "siblings", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                                  [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 4, 8, 8]) for y in ("ya", "yb")],
                                  initializer=[init("stem.weight", 4, 3, 1, 1), init("a.weight", 4, 4, 1, 1),
                                               init("b.weight", 4, 4, 1, 1)])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)], producer_name="test")
        model.ir_version = 10
        model_path, out = os.path.join(tmp, "siblings.onnx"), os.path.join(tmp, "out")
        onnx.save(model, model_path)
        with open(os.path.join(tmp, "requests.yaml"), "w") as f:
            f.write("requests:\n  - set_precision: {module: a, activation: int16}\n"
                    "  - set_precision: {module: b, activation: int8}\n")
        run = subprocess.run([MMP, "plan", "--onnx", model_path, "--config", os.path.join(ROOT, "Data/configs/default.json"),
                              "--requests", os.path.join(tmp, "requests.yaml"), "--out-dir", out, "--insert-converts"],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        from mmp_aimet import load_ort_overrides
        ort = load_ort_overrides(os.path.join(out, "ort_quant_overrides.json"))
        self.assertEqual(ort.tensor_quant_overrides["s"][0]["convert"],
                         {"quant_type": QuantType.QUInt16, "symmetric": False, "recv_nodes": {"a"}})
        qdq_path = os.path.join(tmp, "siblings.qdq.onnx")
        logging.disable(logging.WARNING)
        try:
            quantize_static(model_path, qdq_path, RandomInputs(), nodes_to_exclude=ort.nodes_to_exclude,
                            extra_options=ort.extra_options)
        finally:
            logging.disable(logging.NOTSET)
        qdq = onnx.load(qdq_path)
        inits = {t.name: t for t in qdq.graph.initializer}
        produced = {o: n for n in qdq.graph.node for o in n.output}

        def read_type(node_name):
            """The element type of the DequantizeLinear feeding the node's activation input."""
            node = next(n for n in qdq.graph.node if n.name == node_name)
            dq = produced[node.input[0]]
            self.assertEqual(dq.op_type, "DequantizeLinear", node_name)
            return inits[dq.input[2]].data_type if dq.input[2] in inits else None

        self.assertIn(read_type("a"), SIXTEEN)
        self.assertIn(read_type("b"), {TensorProto.INT8, TensorProto.UINT8})

    def test_a_file_that_is_not_ours_is_refused_naming_it(self):
        from mmp_aimet import load_ort_overrides
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        for text, says in [('{"activation_encodings": {}}', "no 'TensorQuantOverrides'"),
                           ('{"TensorQuantOverrides": {"x": [{"quant_type": "QInt3"}]}}', "'QInt3'"),
                           ('{"TensorQuantOverrides": {}, "nodes_to_exclude": "fc1"}', "nodes_to_exclude")]:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w") as f:
                f.write(text)
            with self.assertRaises(ValueError) as raised:
                load_ort_overrides(path)
            self.assertIn(path, str(raised.exception))
            self.assertIn(says, str(raised.exception))

    def test_opset_17_with_qdq_contrib_ops(self):
        self.check(17)

    def test_opset_21(self):
        self.check(21)

    def test_qnn_execution_provider_config(self):
        self.check(17, qnn=True)


if __name__ == "__main__":
    unittest.main()

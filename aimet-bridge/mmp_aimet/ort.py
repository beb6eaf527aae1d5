"""ONNX Runtime's static quantizer, driven by a plan: ``load_ort_overrides`` reads the
``ort_quant_overrides.json`` that ``mmp plan --onnx`` writes.

    from onnxruntime.quantization import quantize_static
    from mmp_aimet import load_ort_overrides

    ort = load_ort_overrides("out/ort_quant_overrides.json")
    quantize_static("model.onnx", "model.qdq.onnx", reader,
                    nodes_to_exclude=ort.nodes_to_exclude, extra_options=ort.extra_options)

or, for the QNN execution provider,
``get_qnn_qdq_config(model, reader, init_overrides=ort.tensor_quant_overrides,
nodes_to_exclude=ort.nodes_to_exclude)``. onnxruntime is imported when a file is loaded,
not when this module is: the package imports without it.
"""
import json
from typing import Any, Dict, List, NamedTuple


class OrtOverrides(NamedTuple):
    """A plan as ONNX Runtime's quantizer takes it.

    - ``tensor_quant_overrides``: tensor name -> a one-entry list ``[{"quant_type":
      QuantType, "symmetric": bool, ("axis": int for a per-channel weight)}]``, the
      ``TensorQuantOverrides`` extra option (``init_overrides`` of ``get_qnn_qdq_config``);
    - ``nodes_to_exclude``: the nodes the plan keeps in float;
    - ``extra_options``: the ``extra_options`` of ``quantize_static``: ``TensorQuantOverrides``,
      and ``UseQDQContribOps`` when the model's opset is below 21 and the plan has 16- or
      4-bit types (the ONNX QuantizeLinear of those opsets has none).
    """
    tensor_quant_overrides: Dict[str, List[Dict[str, Any]]]
    nodes_to_exclude: List[str]
    extra_options: Dict[str, Any]


def load_ort_overrides(path) -> OrtOverrides:
    """Reads ``ort_quant_overrides.json``, with ``quant_type`` names (``"QUInt16"``) made
    ``onnxruntime.quantization.QuantType`` values; an unknown name is a ``ValueError``
    that names the tensor."""
    from onnxruntime.quantization import QuantType  # here, so the package imports without onnxruntime

    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("TensorQuantOverrides"), dict):
        raise ValueError(f"{path}: not an ort_quant_overrides.json (no 'TensorQuantOverrides' object)")

    def quant_type(name, tensor):
        try:
            return QuantType[name]
        except (KeyError, TypeError):
            raise ValueError(f"{path}: tensor {tensor!r} has quant_type {name!r}, "
                             f"not one of {', '.join(t.name for t in QuantType)}") from None

    overrides = {}
    for tensor, entries in doc["TensorQuantOverrides"].items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ValueError(f"{path}: the overrides of tensor {tensor!r} are not a list of objects")
        loaded = []
        for entry in entries:
            entry = dict(entry)
            if "quant_type" in entry:
                entry["quant_type"] = quant_type(entry["quant_type"], tensor)
            if isinstance(entry.get("convert"), dict):
                convert = dict(entry["convert"])
                if "quant_type" in convert:
                    convert["quant_type"] = quant_type(convert["quant_type"], tensor)
                if "recv_nodes" in convert:
                    convert["recv_nodes"] = set(convert["recv_nodes"])
                entry["convert"] = convert
            loaded.append(entry)
        overrides[tensor] = loaded
    nodes = doc.get("nodes_to_exclude", [])
    if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
        raise ValueError(f"{path}: 'nodes_to_exclude' is not a list of node names")
    extra = {key: value for key, value in doc.items() if key not in ("TensorQuantOverrides", "nodes_to_exclude")}
    extra["TensorQuantOverrides"] = overrides
    return OrtOverrides(overrides, list(nodes), extra)

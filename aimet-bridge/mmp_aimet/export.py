"""Export an aimet-torch QuantizationSimModel as an mmp-sim/1 graph."""
import json
import os
import tempfile


SPLITS = ("Split", "CG_Split")


def _is_quantizer(q):
    return q is not None


def quantizer_slots(sim):
    """Every quantizer slot of the sim, named the way AIMET names them.

    Returns ``(names, slots)``: ``names`` maps ``id(quantizer)`` to its name — the name of
    the first slot holding it, in ``named_modules`` order, so tied quantizers (one object
    in several slots) get one name — and ``slots`` maps each name to the list of
    ``(module, kind, key)`` places holding it (kind: "input", "output" or "param").
    """
    names, slots = {}, {}
    for path, module in sim.model.named_modules():
        if not hasattr(module, "param_quantizers") or not hasattr(module, "input_quantizers"):
            continue
        places = []
        for i, q in enumerate(module.input_quantizers):
            places.append(("input", i, f"{path}.input_quantizers.{i}", q))
        for j, q in enumerate(module.output_quantizers):
            places.append(("output", j, f"{path}.output_quantizers.{j}", q))
        for p, q in module.param_quantizers.items():
            places.append(("param", p, f"{path}.param_quantizers.{p}", q))
        for kind, key, slot_name, q in places:
            if not _is_quantizer(q):
                continue
            name = names.setdefault(id(q), slot_name)
            slots.setdefault(name, []).append((module, kind, key))
    return names, slots


def dtype_of(q):
    """The mmp dtype of an aimet-torch v2 quantizer: intN, or fp16/fp8/fpN."""
    exponent = getattr(q, "exponent_bits", None)
    mantissa = getattr(q, "mantissa_bits", None)
    if exponent is not None and mantissa is not None:
        return f"fp{1 + int(exponent) + int(mantissa)}"
    return f"int{int(q.bitwidth)}"


def _class_name(module):
    original = module.get_original_module() if hasattr(module, "get_original_module") else module
    cls = type(original)
    return f"{cls.__module__}.{cls.__qualname__}"


def sim_graph(sim, model_name=None):
    """The sim's connected graph as an mmp-sim/1 dictionary."""
    cg = sim.connected_graph
    names, _ = quantizer_slots(sim)
    module_names = {module: path for path, module in sim.model.named_modules()}

    def module_of(op):
        m = op.get_module()
        if m is None:
            return None
        qualified = cg._module_to_name.get(m)  # pylint: disable=protected-access
        if qualified is None:
            return None
        path = qualified.split(".", 1)[1] if "." in qualified else ""
        target = sim.model
        for part in path.split(".") if path else []:
            target = getattr(target, part)
        return target

    def canonical(product):
        """The tensor a product carries: splits (fan-out) are looked through."""
        while product.producer is not None and product.producer.type in SPLITS and product.producer.inputs:
            product = product.producer.inputs[0]
        if product.is_model_input:
            return product.name.split("_to_")[0]
        return product.name

    ops_out, quantizers, seen_q = [], {}, set()
    tensor_of_output = {}

    def qname(q):
        if q is None:
            return None
        name = names[id(q)]
        if name not in seen_q:
            seen_q.add(name)
            entry = {"dtype": dtype_of(q)}
            if hasattr(q, "symmetric"):
                entry["symmetric"] = bool(q.symmetric)
            if hasattr(q, "shape"):
                entry["shape"] = [int(s) for s in q.shape]
            quantizers[name] = entry
        return name

    ordered = [op for op in cg.ordered_ops if op.type not in SPLITS]
    for op in ordered:
        out = op.output
        tensor_of_output[op.name] = canonical(out) if out is not None else f"{op.name}.output"

    for op in ordered:
        module = module_of(op)
        inputs = [p for p in op.inputs if not p.is_parm and not getattr(p, "is_const", False)]
        tensors = [canonical(p) for p in inputs]
        in_q = [None] * len(tensors)
        out_q = [None]
        params = {}
        entry = {"name": op.name, "type": op.type}
        if module is not None:
            entry["class"] = _class_name(module)
            entry["module"] = module_names.get(module, op.name)
            for i in range(min(len(tensors), len(module.input_quantizers))):
                in_q[i] = qname(module.input_quantizers[i])
            if len(module.output_quantizers) >= 1:
                out_q[0] = qname(module.output_quantizers[0])
            for p, q in module.param_quantizers.items():
                params[p] = qname(q)
        else:
            entry["module"] = op.name
        entry.update({"inputs": tensors, "outputs": [tensor_of_output[op.name]],
                      "input_quantizers": in_q, "output_quantizers": out_q, "params": params})
        ops_out.append(entry)

    def flat(structure):
        if isinstance(structure, (list, tuple)):
            for item in structure:
                yield from flat(item)
        else:
            yield structure

    model_inputs = []
    for op in ordered:
        for p in op.inputs:
            if p.is_model_input:
                t = canonical(p)
                if t not in model_inputs:
                    model_inputs.append(t)
    model_inputs.sort(key=lambda t: int(t.split("_")[1]) if t.startswith("input_") and t.split("_")[1].isdigit() else 0)
    model_outputs = []
    for item in flat(cg._output_structure):  # pylint: disable=protected-access
        t = tensor_of_output.get(item.op.name)
        if t is not None and t not in model_outputs:
            model_outputs.append(t)

    return {
        "format": "mmp-sim/1",
        "model": model_name or type(sim.model).__name__,
        "inputs": model_inputs,
        "outputs": model_outputs,
        "ops": ops_out,
        "quantizers": quantizers,
    }


def export_sim(sim, path, model_name=None):
    """Writes the sim's graph to ``path`` as mmp-sim/1 JSON (atomically)."""
    graph = sim_graph(sim, model_name)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mmp-sim-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(graph, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    return graph

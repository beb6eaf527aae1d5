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


def original_class(module):
    """The framework class a quantized module stands for (``QuantizedLinear`` → ``Linear``)."""
    table = getattr(module, "qcls_to_cls", None)
    if table is not None and type(module) in table:
        return table[type(module)]
    return type(module)


def _class_name(module):
    cls = original_class(module)
    return f"{cls.__module__}.{cls.__qualname__}"


def modules_of_type(sim, cls):
    """The paths of the sim's modules that are instances of ``cls`` — by the class they
    stand for (``QuantizedMultiheadAttention`` is a ``MultiheadAttention``) or by their
    own — in ``named_modules`` order; the root is never one (a request on it would be
    the whole model)."""
    return [path for path, module in sim.model.named_modules()
            if path and (issubclass(original_class(module), cls) or isinstance(module, cls))]


# Ops whose output is a size or shape of their input, never its values.
SHAPE_QUERIES = ("size", "shape", "numel", "dim")


def _integral_constant(value):
    """Whether a constant argument is shape-like: None, a bool or int, a list of them, or
    an integer/bool tensor. A float constant (a frequency table, a scale) makes data."""
    if value is None or isinstance(value, (bool, int)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_integral_constant(v) for v in value)
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return not (dtype.is_floating_point or dtype.is_complex)
    return False


def _has_quantizer(module):
    return any(q is not None for q in list(module.input_quantizers) + list(module.output_quantizers)
               + list(module.param_quantizers.values()))


def sim_graph(sim, model_name=None, input_slots=None):
    """The sim's connected graph as an mmp-sim/1 dictionary.

    ``input_slots``, when a dictionary, receives for each op that stands for a module
    ``{op name: (module path, [the module's input index of each of the op's inputs])}``:
    where ``apply_plan`` puts a convert the plan inserts (the export leaves some of a
    module's inputs out, so the op's input ``i`` is not always the module's).

    Three things the connected graph records are not what a quantizer sees, and are
    left out or merged (docs/aimet.md, "What the export leaves out"):

    - **Shape computations.** A tensor computed from tensor *shapes* and integer
      constants alone — ``size``, ``NumToTensor``, the arithmetic on them, position
      indices from ``arange``, boolean masks compared from them — carries no activation
      values. It is not an activation input of the op that reads it (unless that op
      quantizes it), and ops that only compute such tensors are dropped.
    - **Embedding indices.** The index input of an embedding is not an activation.
    - **Quantized modules traced as functionals.** A quantized module that no op of the
      graph is bound to, whose forward the trace recorded as functional ops (an RMSNorm
      from ``transformers``), becomes one op: its inputs are the tensors its ops read from
      outside, its outputs those read outside, its quantizers the module's.
    """
    cg = sim.connected_graph
    names, _ = quantizer_slots(sim)
    module_names = {module: path for path, module in sim.model.named_modules()}
    by_path = dict(sim.model.named_modules())

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

    quantizers, seen_q = {}, set()

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
    modules = {op.name: module_of(op) for op in ordered}
    tensor_of_output = {op.name: canonical(op.outputs[0]) if op.outputs else f"{op.name}.output"
                        for op in ordered}

    def data_inputs(op):
        return [p for p in op.inputs if not p.is_parm and not getattr(p, "is_const", False)]

    # Shape-only tensors, in topological order: a tensor is shape-only when its op reads
    # shapes (SHAPE_QUERIES), or reads nothing but shape-only tensors and integer
    # constants, no parameter, and quantizes nothing.
    shape_only = set()
    for op in ordered:
        module = modules[op.name]
        if module is not None and _has_quantizer(module):
            continue
        if op.type in SHAPE_QUERIES:
            shape_only.add(tensor_of_output[op.name])
            continue
        if any(p.is_parm for p in op.inputs):
            continue
        constants = [p for p in op.inputs if getattr(p, "is_const", False)]
        if all(canonical(p) in shape_only for p in data_inputs(op)) \
                and all(_integral_constant(getattr(p, "constant_value", None)) for p in constants):
            shape_only.add(tensor_of_output[op.name])

    # Quantized modules whose forward was traced as functional ops.
    bound = {id(m) for m in modules.values() if m is not None}
    group_paths = sorted((path for path, m in sim.model.named_modules()
                          if path and id(m) not in bound and hasattr(m, "input_quantizers")
                          and hasattr(m, "param_quantizers") and _has_quantizer(m)),
                         key=lambda path: -path.count("."))
    group_of = {}
    for op in ordered:
        residing = module_names.get(op.residing_module)
        if residing is None or modules[op.name] is not None:
            continue
        for path in group_paths:  # innermost first
            if residing == path or residing.startswith(path + "."):
                group_of[op.name] = path
                break
    members = {}
    for op in ordered:
        if op.name in group_of:
            members.setdefault(group_of[op.name], []).append(op)
    for path, ops in list(members.items()):
        # A container (an attention module whose layers are bound ops) is not one op.
        if any(id(m) in bound for p, m in by_path.items() if p.startswith(path + ".")):
            del members[path]
            for op in ops:
                del group_of[op.name]

    # Each op's activation inputs with the quantizer slot that sees them.
    def edges(op, module):
        result = []
        for i, p in enumerate(data_inputs(op)):
            slot = None
            if module is not None and i < len(module.input_quantizers):
                slot = module.input_quantizers[i]
            result.append((canonical(p), slot))
        return result

    def is_activation(tensor, slot, op):
        if slot is not None:
            return True  # the sim quantizes it: an activation, whatever it holds
        if tensor in shape_only:
            return False
        module = modules.get(op.name) if op is not None else None
        if module is not None and issubclass(original_class(module), torch_embedding()):
            return False  # an embedding's input is an index
        return True

    entries = []  # (position, entry)
    needed = set()
    for position, op in enumerate(ordered):
        if op.name in group_of:
            continue
        module = modules[op.name]
        indexed = [(k, t, q) for k, (t, q) in enumerate(edges(op, module)) if is_activation(t, q, op)]
        kept = [(t, q) for _, t, q in indexed]
        if module is not None and input_slots is not None:
            input_slots[op.name] = (module_names.get(module, op.name), [k for k, _, _ in indexed])
        entry = {"name": op.name, "type": op.type}
        in_q = [qname(q) for _, q in kept]  # named first: the quantizer table reads in slot order
        out_q, params = [None], {}
        if module is not None:
            entry["class"] = _class_name(module)
            entry["module"] = module_names.get(module, op.name)
            if len(module.output_quantizers) >= 1:
                out_q[0] = qname(module.output_quantizers[0])
            for p, q in module.param_quantizers.items():
                params[p] = qname(q)
        else:
            entry["module"] = op.name
        entry.update({"inputs": [t for t, _ in kept], "outputs": [tensor_of_output[op.name]],
                      "input_quantizers": in_q, "output_quantizers": out_q,
                      "params": params})
        needed.update(t for t, _ in kept)
        entries.append((position, entry))

    # Who reads each tensor from outside a group: the ops kept so far (by their activation
    # inputs), and each group's ops (by all they read) — found once, not per group.
    read_by_ops = set()
    for _, entry in entries:
        read_by_ops.update(entry["inputs"])
    read_by_groups = {}
    for op in ordered:
        if op.name in group_of:
            for p in data_inputs(op):
                read_by_groups.setdefault(canonical(p), set()).add(group_of[op.name])

    for path, ops in members.items():
        module = by_path[path]
        produced = {tensor_of_output[op.name] for op in ops}
        inputs = []
        for op in ops:
            for p in data_inputs(op):
                t = canonical(p)
                if t not in produced and t not in inputs:
                    inputs.append(t)
        slots = [module.input_quantizers[i] if i < len(module.input_quantizers) else None
                 for i in range(len(inputs))]
        indexed = [(k, t, q) for k, (t, q) in enumerate(zip(inputs, slots)) if q is not None or t not in shape_only]
        kept = [(t, q) for _, t, q in indexed]
        if input_slots is not None:
            input_slots[path] = (path, [k for k, _, _ in indexed])
        def read_outside(t):
            return t in read_by_ops or bool(read_by_groups.get(t, set()) - {path})
        outputs = [tensor_of_output[op.name] for op in ops
                   if read_outside(tensor_of_output[op.name]) or _is_model_output(cg, op)]
        if not outputs:
            outputs = [tensor_of_output[ops[-1].name]]
        entry = {"name": path, "type": original_class(module).__name__, "class": _class_name(module),
                 "module": path, "inputs": [t for t, _ in kept], "outputs": outputs,
                 "input_quantizers": [qname(q) for _, q in kept],
                 "output_quantizers": [qname(module.output_quantizers[j]) if j < len(module.output_quantizers) else None
                                       for j in range(len(outputs))],
                 "params": {p: qname(q) for p, q in module.param_quantizers.items()}}
        needed.update(t for t, _ in kept)
        entries.append((ordered.index(ops[-1]), entry))

    model_outputs = []
    for item in _flat(cg._output_structure):  # pylint: disable=protected-access
        t = tensor_of_output.get(item.op.name)
        if t is not None and t not in model_outputs:
            model_outputs.append(t)
    needed.update(model_outputs)

    # Ops that only compute shapes, and quantize nothing, have no place in the graph.
    ops_out = [entry for _, entry in sorted(entries, key=lambda e: e[0])
               if not (all(t in shape_only and t not in needed for t in entry["outputs"])
                       and not any(entry["input_quantizers"]) and not any(entry["output_quantizers"])
                       and not any(entry["params"].values()))]

    model_inputs = []
    for op in ordered:
        for p in op.inputs:
            if p.is_model_input:
                t = canonical(p)
                if t not in model_inputs:
                    model_inputs.append(t)
    model_inputs.sort(key=lambda t: int(t.split("_")[1]) if t.startswith("input_") and t.split("_")[1].isdigit() else 0)

    # What each tensor the graph names holds, where the trace knows: the elements a
    # convert there moves (contract §11).
    shapes = {}
    for op in ordered:
        for p in list(op.inputs) + list(op.outputs):
            if p.is_parm or getattr(p, "is_const", False):
                continue
            shape = _shape(p.shape)
            if shape is not None:
                shapes.setdefault(canonical(p), shape)
    named = set(model_inputs)
    for entry in ops_out:
        named.update(entry["inputs"])
        named.update(entry["outputs"])
    tensors = {t: {"shape": shapes[t]} for t in sorted(named) if t in shapes}

    return {
        "format": "mmp-sim/1",
        "model": model_name or type(sim.model).__name__,
        "inputs": model_inputs,
        "outputs": model_outputs,
        "ops": ops_out,
        "quantizers": quantizers,
        "tensors": tensors,
    }


def _shape(shape):
    """A traced shape as a list of sizes, or None when the trace does not know one."""
    if shape is None:
        return None
    try:
        dims = [int(d) for d in shape]
    except (TypeError, ValueError):
        return None
    return dims if all(d >= 0 for d in dims) else None


def _is_model_output(cg, op):
    return any(getattr(item, "op", None) is op for item in _flat(cg._output_structure))  # pylint: disable=protected-access


def _flat(structure):
    if isinstance(structure, (list, tuple)):
        for item in structure:
            yield from _flat(item)
    else:
        yield structure


def torch_embedding():
    import torch  # pylint: disable=import-outside-toplevel
    return torch.nn.Embedding


def export_sim(sim, path, model_name=None, input_slots=None):
    """Writes the sim's graph to ``path`` as mmp-sim/1 JSON (atomically); ``input_slots``
    as for ``sim_graph``."""
    graph = sim_graph(sim, model_name, input_slots)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".mmp-sim-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(graph, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)
    return graph

"""Write an mmp plan's dtypes back into an aimet-torch QuantizationSimModel."""
import copy
import json

from .export import quantizer_slots, dtype_of


def _precision(dtype):
    """mmp dtype text → AIMET's internal Precision."""
    from aimet_torch.common.defs import QuantizationDataType  # pylint: disable=import-outside-toplevel
    from aimet_torch.mixed_precision.utils import Precision  # pylint: disable=import-outside-toplevel
    if dtype.startswith("fp"):
        return Precision(QuantizationDataType.float, int(dtype[2:]))
    return Precision(QuantizationDataType.int, int(dtype[3:]))


def _handler(sim):
    from aimet_torch.common.quantsim_config.json_config_importer import JsonConfigImporter  # pylint: disable=import-outside-toplevel
    from aimet_torch.mixed_precision.manual_mixed_precision_handler import MpHandler  # pylint: disable=import-outside-toplevel
    return MpHandler(sim, JsonConfigImporter.import_json_config_file(sim._config_file))  # pylint: disable=protected-access


def apply_plan(sim, plan_path, input_slots=None):
    """Sets every quantizer of ``sim`` to the dtype ``plan_path`` (mmp's plan.json) gives it.

    Changes go through AIMET's own ``MpHandler._apply_request_to_quantizer``, exactly as
    AIMET's configurator applies a request: a new bit width on an integer quantizer, or a
    new quantizer of the other kind (int ↔ fp16) keeping symmetry, and for params the
    config's per-channel axis. Tied quantizers (one object in several slots) stay tied:
    the one new quantizer goes into every slot.

    A quantizer the plan inserted (``--insert-converts``) becomes an enabled input
    quantizer of its op's module: a copy of the quantizer it requantizes, at the planned
    dtype. ``input_slots`` (from ``export_sim``) says which module input each op input
    is; without it, op input ``i`` is module input ``i``. Returns the names of the changed
    and inserted quantizers.
    """
    with open(plan_path) as f:
        plan = json.load(f)
    if plan.get("status") != "ok":
        raise ValueError(f"{plan_path}: the plan is {plan.get('status')}; nothing to apply")
    from aimet_torch.utils import get_param_channel_axis  # pylint: disable=import-outside-toplevel
    from aimet_torch.onnx_utils import map_torch_types_to_onnx  # pylint: disable=import-outside-toplevel

    handler = _handler(sim)
    _, slots = quantizer_slots(sim)
    inserted = {name: entry for name, entry in plan["quantizers"].items() if "inserted" in entry}
    unknown = [name for name in plan["quantizers"] if name not in slots and name not in inserted]
    unknown += [entry["inserted"]["requantizes"] for entry in inserted.values()
                if entry["inserted"]["requantizes"] not in slots]
    if unknown:  # check everything before changing anything
        raise KeyError(f"the plan names quantizers the sim does not have: {', '.join(unknown[:5])}")
    places_of_inserted = {name: _insertion_place(sim, entry["inserted"], input_slots) for name, entry in inserted.items()}
    changed = []
    for name, entry in plan["quantizers"].items():
        if name in inserted:
            continue
        places = slots.get(name)
        if not places:
            raise KeyError(f"the plan names quantizer '{name}', which the sim does not have")
        module, kind, key = places[0]
        current = _get(module, kind, key)
        if dtype_of(current) == entry["dtype"]:
            continue
        precision = _precision(entry["dtype"])
        # pylint: disable=protected-access
        if kind == "param":
            module_type = map_torch_types_to_onnx.get(module.qcls_to_cls[type(module)], [None])[0]
            ch_axis = None
            if handler._get_param_pcq_mapping.get(module_type, handler._get_param_pcq_mapping.get("defaults")):
                ch_axis = get_param_channel_axis(module, key)
            new = handler._apply_request_to_quantizer(
                current, precision, sim._quant_scheme,
                handler._get_param_is_symm_fields.get(module_type, handler._get_param_is_symm_fields.get("defaults")),
                tensor_shape=tuple(getattr(module, key).shape), ch_axis=ch_axis)
        else:
            new = handler._apply_request_to_quantizer(current, precision, sim._quant_scheme, False)
        for m, k, s in places:
            _set(m, k, s, new)
        changed.append(name)
    # Inserted converts last: each copies the quantizer it requantizes as the plan left it.
    for name, entry in inserted.items():
        module, index = places_of_inserted[name]
        source_module, kind, key = slots[entry["inserted"]["requantizes"]][0]
        new = copy.deepcopy(_get(source_module, kind, key))
        if dtype_of(new) != entry["dtype"]:
            # pylint: disable=protected-access
            new = handler._apply_request_to_quantizer(new, _precision(entry["dtype"]), sim._quant_scheme, False)
        module.input_quantizers[index] = new
        changed.append(name)
    return changed


def _insertion_place(sim, inserted, input_slots):
    """The module and its input index where a convert the plan inserted goes."""
    op, i = inserted["op"], inserted["input"]
    if input_slots is not None and op not in input_slots:
        raise ValueError(f"the plan inserts a convert at input {i} of op '{op}', which is not a module of the sim: "
                         "AIMET has no input quantizer there (plan without --insert-converts)")
    path, indices = input_slots[op] if input_slots is not None else (op, None)
    module = dict(sim.model.named_modules()).get(path)
    if module is None or not hasattr(module, "input_quantizers"):
        raise ValueError(f"the plan inserts a convert at input {i} of op '{op}', which is not a quantized module of the sim")
    index = indices[i] if indices is not None and i < len(indices) else i
    if index >= len(module.input_quantizers) or module.input_quantizers[index] is not None:
        raise ValueError(f"the plan inserts a convert at input {i} of op '{op}', but module '{path}' has no free input "
                         f"quantizer slot {index}")
    return module, index


def _get(module, kind, key):
    if kind == "input":
        return module.input_quantizers[key]
    if kind == "output":
        return module.output_quantizers[key]
    return module.param_quantizers[key]


def _set(module, kind, key, q):
    if kind == "input":
        module.input_quantizers[key] = q
    elif kind == "output":
        module.output_quantizers[key] = q
    else:
        module.param_quantizers[key] = q

"""Write an mmp plan's dtypes back into an aimet-torch QuantizationSimModel."""
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


def apply_plan(sim, plan_path):
    """Sets every quantizer of ``sim`` to the dtype ``plan_path`` (mmp's plan.json) gives it.

    Changes go through AIMET's own ``MpHandler._apply_request_to_quantizer``, exactly as
    AIMET's configurator applies a request: a new bit width on an integer quantizer, or a
    new quantizer of the other kind (int ↔ fp16) keeping symmetry, and for params the
    config's per-channel axis. Tied quantizers (one object in several slots) stay tied:
    the one new quantizer goes into every slot. Returns the names of the changed quantizers.
    """
    with open(plan_path) as f:
        plan = json.load(f)
    if plan.get("status") != "ok":
        raise ValueError(f"{plan_path}: the plan is {plan.get('status')}; nothing to apply")
    from aimet_torch.utils import get_param_channel_axis  # pylint: disable=import-outside-toplevel
    from aimet_torch.onnx_utils import map_torch_types_to_onnx  # pylint: disable=import-outside-toplevel

    handler = _handler(sim)
    _, slots = quantizer_slots(sim)
    unknown = [name for name in plan["quantizers"] if name not in slots]
    if unknown:  # check everything before changing anything
        raise KeyError(f"the plan names quantizers the sim does not have: {', '.join(unknown[:5])}")
    changed = []
    for name, entry in plan["quantizers"].items():
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
    return changed


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

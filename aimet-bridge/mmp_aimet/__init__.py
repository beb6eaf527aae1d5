"""Plan AIMET manual mixed precision with mmp.

- ``export_sim(sim, path)``: a QuantizationSimModel's connected graph as ``mmp-sim/1``.
- ``apply_plan(sim, plan_path)``: write a plan's dtypes into the sim's quantizers.
- ``MixedPrecisionConfigurator(sim)``: AIMET's configurator API, planned by mmp.
- ``load_ort_overrides(path)``: the ``ort_quant_overrides.json`` of ``mmp plan --onnx``, for
  ONNX Runtime's ``quantize_static`` (needs onnxruntime when called, not on import).
"""
from .export import export_sim, sim_graph, quantizer_slots
from .apply import apply_plan
from .configurator import MixedPrecisionConfigurator, MmpConflictError
from .ort import load_ort_overrides, OrtOverrides

__all__ = ["export_sim", "sim_graph", "quantizer_slots", "apply_plan", "MixedPrecisionConfigurator", "MmpConflictError",
           "load_ort_overrides", "OrtOverrides"]

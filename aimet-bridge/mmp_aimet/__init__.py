"""Plan AIMET manual mixed precision with mmp.

- ``export_sim(sim, path)``: a QuantizationSimModel's connected graph as ``mmp-sim/1``.
- ``apply_plan(sim, plan_path)``: write a plan's dtypes into the sim's quantizers.
- ``MixedPrecisionConfigurator(sim)``: AIMET's configurator API, planned by mmp.
"""
from .export import export_sim, sim_graph, quantizer_slots
from .apply import apply_plan
from .configurator import MixedPrecisionConfigurator, MmpConflictError

__all__ = ["export_sim", "sim_graph", "quantizer_slots", "apply_plan", "MixedPrecisionConfigurator", "MmpConflictError"]

"""AIMET's MixedPrecisionConfigurator API, planned by mmp."""
import json
import os
import shutil
import subprocess
import tempfile
import warnings

from ._binary import packaged
from .apply import apply_plan
from .export import export_sim, modules_of_type

SUPPORTED = ("int16", "int8", "int4", "fp16")


class MmpConflictError(RuntimeError):
    """Strict mode could not honour every request; the message explains the conflicts."""


def _mmp():
    """The mmp executable: the one this package carries (a wheel), then $MMP, then PATH."""
    bundled = packaged()
    if bundled:
        return bundled
    exe = os.environ.get("MMP")
    if exe:
        # Say which setting is wrong, not only what the operating system said.
        if not os.path.exists(exe):
            raise FileNotFoundError(f"the MMP environment variable names {exe!r}, which does not exist; "
                                    "set it to the mmp executable (swift build; $(swift build --show-bin-path)/mmp)")
        if os.path.isdir(exe) or not os.access(exe, os.X_OK):
            raise PermissionError(f"the MMP environment variable names {exe!r}, which is not an executable file")
        return exe
    exe = shutil.which("mmp")
    if not exe:
        raise FileNotFoundError("mmp is not on PATH; install the mmp-aimet wheel (scripts/build-wheel.sh), "
                                "or build mmp (swift build) and set MMP=/path/to/mmp")
    return exe


def _check(dtype, what):
    if dtype is not None and dtype not in SUPPORTED:
        raise ValueError(f"Supported inputs for {what} are {SUPPORTED}, got {dtype!r}")


class MixedPrecisionConfigurator:
    """Drop-in for ``aimet_torch.mixed_precision.MixedPrecisionConfigurator``.

    Record requests with ``set_precision``, ``set_model_input_precision`` and
    ``set_model_output_precision``; ``apply(log_file, strict)`` exports the sim, runs
    ``mmp plan``, and writes the plan into the sim. In strict mode an infeasible plan
    raises :class:`MmpConflictError` with mmp's explanation and leaves the sim unchanged.
    """

    def __init__(self, sim):
        self._sim = sim
        self._module_names = {module: name for name, module in sim.model.named_modules()}
        self.requests = []

    def set_precision(self, arg, activation, param=None):
        """``arg``: a module of the sim (leaf or not), or a module class: every module that
        is an instance of it (as AIMET's ``isinstance`` test; a quantized module counts as
        the class it stands for), in one request."""
        activations = activation if isinstance(activation, (list, tuple)) else [activation]
        for a in activations:
            _check(a, "activation")
        for name, d in (param or {}).items():
            _check(d, f"param: {name}")
        body = {}
        if isinstance(arg, type):
            # Resolved in apply(), where the classes are: the sim file only has their names,
            # and a name cannot say that QuantizedMultiheadAttention is a MultiheadAttention.
            body["module"] = arg
        elif arg in self._module_names:
            body["module"] = self._module_names[arg]
        else:
            raise ValueError(f"Specified module {arg} is not part of the sim object")
        if activation is not None:
            body["activation"] = list(activation) if isinstance(activation, (list, tuple)) else activation
        if param:
            body["param"] = dict(param)
        self.requests.append({"set_precision": body})

    def set_model_input_precision(self, activation):
        self._model_io("set_model_input_precision", activation)

    def set_model_output_precision(self, activation):
        self._model_io("set_model_output_precision", activation)

    def _model_io(self, kind, activation):
        activations = activation if isinstance(activation, (list, tuple)) else [activation]
        for a in activations:
            _check(a, "activation")
        value = list(activation) if isinstance(activation, (list, tuple)) else activation
        self.requests.append({kind: {"activation": value}})

    def apply(self, log_file="./mmp_log.txt", strict=True, fewest_converts=False, insert_converts=False):
        """Plans the recorded requests and applies the plan to the sim.

        ``fewest_converts`` and ``insert_converts`` are mmp's ``--fewest-converts`` and
        ``--insert-converts`` (docs/converts.md): with the latter, a convert the plan
        inserts becomes a new enabled input quantizer of its module.
        """
        with tempfile.TemporaryDirectory(prefix="mmp-") as tmp:
            sim_path = os.path.join(tmp, "sim.json")
            input_slots = {}
            graph = export_sim(self._sim, sim_path, input_slots=input_slots)
            requests_path = os.path.join(tmp, "requests.json")
            with open(requests_path, "w") as f:
                json.dump({"requests": resolved_requests(self.requests, self._sim, graph)}, f, indent=1)
            out = os.path.join(tmp, "out")
            command = [_mmp(), "plan", "--sim", sim_path, "--requests", requests_path, "--out-dir", out]
            config = _kernel_config(self._sim, tmp)
            if config:
                command += ["--config", config]
            if not strict:
                command.append("--best-effort")
            if fewest_converts:
                command.append("--fewest-converts")
            if insert_converts:
                command.append("--insert-converts")
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            log = os.path.join(out, "mmp_log.txt")
            if os.path.exists(log):
                with open(log) as f:
                    text = f.read()
                if hasattr(log_file, "write"):
                    log_file.write(text)
                elif log_file:
                    with open(log_file, "w") as f:
                        f.write(text)
            if result.returncode == 2:
                # mmp points at its log in the temporary directory, which is gone when this
                # returns: point at the copy the user asked for instead.
                message = result.stderr.strip()
                where = log_file if isinstance(log_file, str) and log_file else "the log_file given to apply()"
                message = message.replace(log, where)
                raise MmpConflictError(message)
            if result.returncode != 0:
                raise RuntimeError(f"mmp failed: {result.stderr.strip()}")
            plan_path = os.path.join(out, "plan.json")
            _warn_about(plan_path, self.requests)
            changed = apply_plan(self._sim, plan_path, input_slots=input_slots)
            # As in AIMET, an applied plan consumes its requests: the next apply() starts afresh.
            self.requests = []
            return changed


def resolved_requests(requests, sim, graph):
    """The recorded requests as mmp reads them: a class becomes the list of the module paths that
    are instances of it and that the graph has ops under (a module the trace never ran,
    such as an attention mask add with no mask, has nothing to set)."""
    known = set()
    for op in graph["ops"]:
        modules = op.get("module", op["name"])
        for path in modules if isinstance(modules, list) else [modules]:
            parts = path.split(".")
            known.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    out = []
    for request in requests:
        body = request.get("set_precision")
        if body is not None and isinstance(body.get("module"), type):
            body = dict(body, module=[p for p in modules_of_type(sim, body["module"]) if p in known])
            request = {"set_precision": body}
        out.append(request)
    return out


def _warn_about(plan_path, recorded):
    """What mmp warned about (a param no selected module has), as Python warnings, each
    naming the request as the user wrote it (a class, not the paths it became)."""
    with open(plan_path) as f:
        plan = json.load(f)
    for request in plan.get("requests", []):
        k = request["index"]
        body = recorded[k].get("set_precision", {}) if k < len(recorded) else {}
        if isinstance(body.get("module"), type):
            request = dict(request, request=_spelled(body))
        for message in request.get("warnings", []):
            warnings.warn(f"mmp: request {request['index']} ({request['request']}): {message}", UserWarning, stacklevel=3)
        if request.get("outcome") == "selected-nothing":
            # Only the log said so before: a type that matches no module is a mistake a
            # user should see where they made it.
            warnings.warn(f"mmp: request {request['index']} ({request['request']}) selected no module of the sim",
                          UserWarning, stacklevel=3)


def _spelled(body):
    """``set_precision(torch.nn.LSTM, activation=int16)``: a class request as written."""
    cls = body["module"]
    parts = [f"{cls.__module__}.{cls.__qualname__}"]
    if "activation" in body:
        parts.append(f"activation={body['activation']}")
    if body.get("param"):
        parts.append(f"param={body['param']}")
    return f"set_precision({', '.join(parts)})"


def _kernel_config(sim, directory):
    """The sim's config file, if it has supported_kernels (mmp reads only those)."""
    path = getattr(sim, "_config_file", None)
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        text = f.read()
    if "supported_kernels" not in text:
        return None
    target = os.path.join(directory, "config.json")
    with open(target, "w") as f:
        f.write(text)
    return target

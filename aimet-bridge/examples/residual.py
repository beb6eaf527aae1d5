"""The worked example of docs/aimet.md: AIMET's configurator calls, planned by mmp."""
import sys
import warnings

import torch
from aimet_torch.model_preparer import prepare_model
from aimet_torch.quantsim import QuantizationSimModel

# from aimet_torch.mixed_precision import MixedPrecisionConfigurator
from mmp_aimet import MixedPrecisionConfigurator, MmpConflictError

warnings.filterwarnings("ignore")


class Block(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x))) + x)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.block = Block(8)
        self.fc = torch.nn.Linear(8 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.block(torch.relu(self.stem(x))), 1))


torch.manual_seed(0)
dummy = torch.randn(1, 3, 8, 8)
model = Net().eval()
if "--prepared" in sys.argv:
    model = prepare_model(model)
sim = QuantizationSimModel(model, dummy_input=dummy)

mp = MixedPrecisionConfigurator(sim)
mp.set_precision(sim.model.block.conv1, activation="int16", param={"weight": "int16"})
mp.set_precision(torch.nn.Linear, activation="int16", param={"weight": "int4"})
mp.set_model_output_precision("int16")
strict = "--best-effort" not in sys.argv
try:
    changed = mp.apply(log_file="mmp_log.txt", strict=strict)
    print("changed:", ", ".join(changed))
except MmpConflictError as e:
    print("MmpConflictError:", e)

sim.compute_encodings(lambda m, _: m(dummy), None)
print("fc weight:", sim.model.fc.param_quantizers["weight"])

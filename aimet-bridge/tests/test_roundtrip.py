"""Export → plan → apply on a real aimet-torch sim; needs aimet-torch and the mmp binary.

Run: MMP=/path/to/mmp python -m unittest discover aimet-bridge/tests
"""
import json
import os
import sys
import tempfile
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
warnings.filterwarnings("ignore")

try:
    import torch
    from aimet_torch.quantsim import QuantizationSimModel
    from aimet_torch.model_preparer import prepare_model
    HAVE_AIMET = True
except ImportError:  # pragma: no cover
    HAVE_AIMET = False


@unittest.skipUnless(HAVE_AIMET, "aimet-torch is not installed")
class RoundTrip(unittest.TestCase):
    def make_sim(self):
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
                self.relu = torch.nn.ReLU()
                self.conv2 = torch.nn.Conv2d(8, 8, 1)
                self.fc = torch.nn.Linear(8 * 8 * 8, 4)

            def forward(self, x):
                a = self.relu(self.conv(x))
                return self.fc(torch.flatten(self.conv2(a) + a, 1))

        torch.manual_seed(0)
        model = prepare_model(Net().eval())
        self.dummy = torch.randn(1, 3, 8, 8)
        return QuantizationSimModel(model, dummy_input=self.dummy)

    def test_export_plan_apply(self):
        from mmp_aimet import MixedPrecisionConfigurator, export_sim, quantizer_slots
        from mmp_aimet.export import dtype_of

        sim = self.make_sim()
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(sim.model.conv2, activation="int16", param={"weight": "int4"})
        mp.set_precision(sim.model.fc, activation="fp16", param={"weight": "fp16"})
        mp.set_model_input_precision("int16")
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "mmp_log.txt")
            changed = mp.apply(log_file=log, strict=True)
            self.assertTrue(open(log).read().startswith("mmp plan: strict mode, status ok"))
            self.assertIn("fc.param_quantizers.weight", changed)
            # The sim now holds exactly the planned dtypes: export it again and compare.
            graph = export_sim(sim, os.path.join(tmp, "after.json"))
        names, slots = quantizer_slots(sim)
        self.assertEqual(dtype_of(sim.model.conv2.param_quantizers["weight"]), "int4")
        self.assertEqual(dtype_of(sim.model.fc.param_quantizers["weight"]), "fp16")
        self.assertEqual(type(sim.model.fc.param_quantizers["weight"]).__name__, "FloatQuantizeDequantize")
        self.assertEqual(dtype_of(sim.model.conv.input_quantizers[0]), "int16")
        self.assertEqual(graph["quantizers"]["conv.input_quantizers.0"]["dtype"], "int16")
        # Symmetry and per-channel shape survive an int → int change.
        w = sim.model.conv2.param_quantizers["weight"]
        self.assertTrue(w.symmetric)
        self.assertEqual(tuple(w.shape)[0], 8)
        # Every slot of a quantizer holds one object (ties survive).
        for name, places in slots.items():
            objects = {id(getattr(m, f"{k}_quantizers")[key]) for m, k, key in places}
            self.assertEqual(len(objects), 1, name)
        # The sim still works: encodings can be computed and it runs.
        sim.compute_encodings(lambda model, _: model(self.dummy), None)
        self.assertEqual(tuple(sim.model(self.dummy).shape), (1, 4))

    def test_strict_conflict_raises_with_the_explanation_and_changes_nothing(self):
        from mmp_aimet import MixedPrecisionConfigurator, MmpConflictError
        from mmp_aimet.export import dtype_of

        sim = self.make_sim()
        from mmp_aimet import quantizer_slots
        known = set(quantizer_slots(sim)[1])
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(sim.model.conv2, activation="int16")
        mp.set_precision(sim.model.module_add, activation=["int8", "int4"])
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(MmpConflictError) as raised:
                mp.apply(log_file=os.path.join(tmp, "log.txt"), strict=True)
        self.assertIn("conflict 1: requests 0, 1", str(raised.exception))
        # The message points at the user's log, not at a temporary file that is gone.
        self.assertIn(os.path.join(tmp, "log.txt"), str(raised.exception))
        self.assertNotIn("/mmp-", str(raised.exception))
        self.assertEqual(dtype_of(sim.model.relu.output_quantizers[0]), "int8")

    def test_insert_converts_resolves_the_conflict_with_a_new_input_quantizer(self):
        from mmp_aimet import MixedPrecisionConfigurator
        from mmp_aimet.export import dtype_of

        sim = self.make_sim()
        before = {name: q for name, q in [("conv2", sim.model.conv2.input_quantizers[0]),
                                          ("add", sim.model.module_add.input_quantizers[1])]}
        self.assertEqual(before, {"conv2": None, "add": None})
        from mmp_aimet import quantizer_slots
        known = set(quantizer_slots(sim)[1])
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(sim.model.conv2, activation="int16")
        mp.set_precision(sim.model.module_add, activation=["int8", "int4"])
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "log.txt")
            changed = mp.apply(log_file=log, strict=True, insert_converts=True)
            text = open(log).read()
        self.assertIn("Inserted quantizers (1)", text)
        # One convert, on one of the two readers of what relu writes: that reader now has
        # an enabled input quantizer of its own, at the dtype its request asked.
        # (named after the op of the exported graph, `<op>.input_quantizers.<i>`: contract §11)
        inserted = [name for name in changed if name not in known]
        self.assertEqual(len(inserted), 1, changed)
        self.assertRegex(inserted[0], r"\.input_quantizers\.[01]$")
        conv2_in, add_in = sim.model.conv2.input_quantizers[0], sim.model.module_add.input_quantizers[1]
        self.assertEqual(sum(q is not None for q in (conv2_in, add_in)), 1)
        relu_out = dtype_of(sim.model.relu.output_quantizers[0])
        if conv2_in is not None:
            self.assertEqual((dtype_of(conv2_in), relu_out), ("int16", "int4"))
        else:
            self.assertEqual((dtype_of(add_in), relu_out), ("int4", "int16"))
        new = conv2_in if conv2_in is not None else add_in
        self.assertIsNot(new, sim.model.relu.output_quantizers[0])
        # The sim still works with the new quantizer: encodings are computed, and it runs.
        sim.compute_encodings(lambda model, _: model(self.dummy), None)
        self.assertTrue(new.is_initialized())
        self.assertEqual(tuple(sim.model(self.dummy).shape), (1, 4))

    def test_a_param_no_selected_module_has_warns_and_the_rest_applies(self):
        from mmp_aimet import MixedPrecisionConfigurator
        from mmp_aimet.export import dtype_of

        sim = self.make_sim()
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(sim.model.module_add, activation="int16", param={"weight": "int16"})
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mp.apply(log_file=os.path.join(tmp, "log.txt"), strict=True)
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning) and "mmp:" in str(w.message)]
        self.assertEqual(len(messages), 1, messages)
        self.assertIn("no selected op has a param named 'weight'", messages[0])
        self.assertEqual(dtype_of(sim.model.relu.output_quantizers[0]), "int16")

    def test_a_type_that_selects_nothing_warns(self):
        from mmp_aimet import MixedPrecisionConfigurator

        sim = self.make_sim()
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(torch.nn.LSTM, activation="int16")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mp.apply(log_file=os.devnull, strict=True)
        messages = [str(w.message) for w in caught if "mmp:" in str(w.message)]
        self.assertEqual(messages, ["mmp: request 0 (set_precision(torch.nn.modules.rnn.LSTM, activation=int16)) selected no module of the sim"])

    def test_a_second_apply_starts_afresh(self):
        from mmp_aimet import MixedPrecisionConfigurator
        from mmp_aimet.export import dtype_of

        sim = self.make_sim()
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(sim.model.conv2, activation="int16")
        with tempfile.TemporaryDirectory() as tmp:
            mp.apply(log_file=os.path.join(tmp, "log.txt"), strict=True)
            self.assertEqual(mp.requests, [])
            self.assertEqual(dtype_of(sim.model.relu.output_quantizers[0]), "int16")
            # A sibling of conv2 asks int8 of the same tensor: a conflict if the first round
            # were replayed, a plan once it is consumed.
            mp.set_precision(sim.model.module_add, activation="int8")
            mp.apply(log_file=os.path.join(tmp, "log2.txt"), strict=True)
        self.assertEqual(dtype_of(sim.model.relu.output_quantizers[0]), "int8")

    def test_a_bad_mmp_variable_is_named(self):
        from mmp_aimet import MixedPrecisionConfigurator

        sim = self.make_sim()
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(sim.model.conv2, activation="int16")
        saved = os.environ.get("MMP")
        try:
            os.environ["MMP"] = "/nonexistent/mmp"
            with self.assertRaises(FileNotFoundError) as raised:
                mp.apply(log_file=os.devnull)
            self.assertIn("the MMP environment variable names '/nonexistent/mmp'", str(raised.exception))
        finally:
            if saved is None:
                del os.environ["MMP"]
            else:
                os.environ["MMP"] = saved


if __name__ == "__main__":
    unittest.main()

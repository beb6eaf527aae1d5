"""The bridge on real transformers (torchvision's ViT, a transformers Llama decoder):
the export keeps shape computations out of the graph, a class request selects by
isinstance, and the plans are the ones the rules give. Needs aimet-torch, torchvision and
transformers, and the mmp binary ($MMP or PATH); skipped otherwise.
"""
import os
import sys
import tempfile
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
warnings.filterwarnings("ignore")

try:
    import torch
    from aimet_torch.quantsim import QuantizationSimModel
    HAVE_AIMET = True
except ImportError:  # pragma: no cover
    HAVE_AIMET = False


def _importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


# What the connected graph records for shape arithmetic: none of it is an activation.
SHAPE_OPS = {"size", "NumToTensor", "ScalarImplicit", "floor_divide", "arange", "Int"}


def _sim(make):
    torch.manual_seed(0)
    model, dummy = make()
    return QuantizationSimModel(model, dummy_input=dummy)


def _producers(graph):
    return {t: op for op in graph["ops"] for t in op["outputs"]}


def _assert_no_shape_edges(test, graph):
    """No op of shape arithmetic is left, and every tensor an op reads is made by an op or
    is a model input; returns the producer of each tensor."""
    test.assertFalse([op["name"] for op in graph["ops"] if op["type"] in SHAPE_OPS])
    producers = _producers(graph)
    for op in graph["ops"]:
        for t in op["inputs"]:
            test.assertTrue(t in producers or t in graph["inputs"], f"{op['name']} reads {t}, made by no op")
    return producers


@unittest.skipUnless(HAVE_AIMET and _importable("torchvision"), "aimet-torch or torchvision is not installed")
class VisionTransformer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import real_models  # pylint: disable=import-outside-toplevel
        cls.make = staticmethod(real_models.vit)

    def test_the_graph_has_no_shape_carrying_edges(self):
        from mmp_aimet import sim_graph

        graph = sim_graph(_sim(self.make))
        producers = _assert_no_shape_edges(self, graph)
        # A view in attention reads the projection it reshapes, not the sizes it is given.
        views = [op for op in graph["ops"] if op["type"] in ("view", "reshape")]
        self.assertTrue(views)
        for op in views:
            self.assertEqual(len(op["inputs"]), 1, op)
        # The trace's shapes go along, for the elements a convert moves: the patch
        # embedding reads the image; a projection reads (tokens, batch, width), as
        # torchvision's attention transposes its input.
        self.assertEqual(graph["tensors"][graph["inputs"][0]]["shape"], [1, 3, 32, 32])
        q_proj = next(op for op in graph["ops"] if op["module"].endswith("encoder_layer_0.self_attention.q_proj"))
        self.assertEqual(graph["tensors"][q_proj["inputs"][0]]["shape"], [5, 1, 32])

    def test_a_projection_and_the_matmul_reading_it_plan_in_strict_mode(self):
        """The issue's case: q_proj at int8 and qk_matmul at int16 are different quantizers
        (q_proj's input, the matmul's inputs). Through the sizes the export used to pass,
        the matmul reached back to ln_1 and collided with q_proj."""
        from mmp_aimet import MixedPrecisionConfigurator
        from mmp_aimet.export import dtype_of

        sim = _sim(self.make)
        attention = sim.model.encoder.layers.encoder_layer_1.self_attention
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(attention.q_proj, activation="int8")
        mp.set_precision(attention.qk_matmul, activation="int16")
        with tempfile.TemporaryDirectory() as tmp:
            changed = mp.apply(log_file=os.path.join(tmp, "log.txt"), strict=True)
        prefix = "encoder.layers.encoder_layer_1.self_attention."
        self.assertEqual(sorted(changed), [prefix + "k_proj.output_quantizers.0", prefix + "q_proj.output_quantizers.0"])
        self.assertEqual(dtype_of(attention.q_proj.output_quantizers[0]), "int16")
        self.assertEqual(dtype_of(sim.model.encoder.layers.encoder_layer_1.ln_1.output_quantizers[0]), "int8")

    def test_a_torch_class_selects_its_instances(self):
        """set_precision(torch.nn.MultiheadAttention, ...) selects the sim's
        QuantizedMultiheadAttention modules, as AIMET's isinstance test does."""
        from mmp_aimet import MixedPrecisionConfigurator
        from mmp_aimet.export import dtype_of

        sim = _sim(self.make)
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(torch.nn.MultiheadAttention, activation="int16")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mp.apply(log_file=os.devnull, strict=True)
        self.assertFalse([str(w.message) for w in caught if "mmp:" in str(w.message)])
        for layer in sim.model.encoder.layers:
            attention = layer.self_attention
            # Every layer inside reads int16: the projections' input (ln_1's output), the
            # matmuls' inputs and the softmax's own input quantizer.
            self.assertEqual(dtype_of(layer.ln_1.output_quantizers[0]), "int16")
            self.assertEqual(dtype_of(attention.softmax.input_quantizers[0]), "int16")
            self.assertEqual(dtype_of(attention.q_proj.output_quantizers[0]), "int16")
        # Outside attention nothing was asked: the MLP keeps int8.
        self.assertEqual(dtype_of(sim.model.encoder.layers[0].mlp[0].output_quantizers[0]), "int8")


@unittest.skipUnless(HAVE_AIMET and _importable("transformers"), "aimet-torch or transformers is not installed")
class LlamaDecoder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import real_models  # pylint: disable=import-outside-toplevel
        cls.make = staticmethod(real_models.llama)

    def test_the_graph_has_no_shape_carrying_edges_and_rmsnorm_is_one_op(self):
        from mmp_aimet import sim_graph

        graph = sim_graph(_sim(self.make))
        producers = _assert_no_shape_edges(self, graph)
        # The embedding reads token ids, not activations.
        embedding = next(op for op in graph["ops"] if op["module"] == "embed_tokens")
        self.assertEqual(embedding["inputs"], [])
        # RMSNorm is traced as pow/mean/rsqrt/mul; the sim quantizes it as one module.
        norm = next(op for op in graph["ops"] if op["module"] == "layers.0.input_layernorm")
        self.assertEqual(norm["type"], "LlamaRMSNorm")
        self.assertEqual(norm["output_quantizers"], ["layers.0.input_layernorm.output_quantizers.0"])
        self.assertEqual(norm["params"], {"weight": "layers.0.input_layernorm.param_quantizers.weight"})
        self.assertEqual(len(norm["inputs"]), 1)
        self.assertEqual(producers[norm["inputs"][0]]["module"], "embed_tokens")
        q_proj = next(op for op in graph["ops"] if op["module"] == "layers.0.self_attn.q_proj")
        self.assertEqual(q_proj["inputs"], norm["outputs"])

    def test_requests_on_norms_and_projections_apply(self):
        from mmp_aimet import MixedPrecisionConfigurator
        from mmp_aimet.export import dtype_of
        from transformers.models.llama.modeling_llama import LlamaRMSNorm

        sim = _sim(self.make)
        layer = sim.model.layers[0]
        mp = MixedPrecisionConfigurator(sim)
        mp.set_precision(LlamaRMSNorm, activation=None, param={"weight": "int16"})
        mp.set_precision(layer.self_attn.q_proj, activation="int16", param={"weight": "int4"})
        with tempfile.TemporaryDirectory() as tmp:
            mp.apply(log_file=os.path.join(tmp, "log.txt"), strict=False)
        for norm in (layer.input_layernorm, layer.post_attention_layernorm, sim.model.norm):
            self.assertEqual(dtype_of(norm.param_quantizers["weight"]), "int16")
        self.assertEqual(dtype_of(layer.self_attn.q_proj.param_quantizers["weight"]), "int4")
        # q_proj reads its own input quantizer at int16; k_proj, reading the same norm
        # output through its own quantizer, is not asked.
        self.assertEqual(dtype_of(layer.self_attn.q_proj.input_quantizers[0]), "int16")
        self.assertEqual(dtype_of(layer.self_attn.k_proj.input_quantizers[0]), "int8")


if __name__ == "__main__":
    unittest.main()

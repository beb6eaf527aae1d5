import MMPModel

/// AIMET's default quantsim config (aimet-torch 2.42, `aimet_torch/common/quantsim_config/
/// default_config.json`; BSD-3-Clause, Qualcomm Technologies), the one
/// `QuantizationSimModel` uses when given none. `mmp plan --onnx` without `--config`
/// places quantizers with it. The same text is `Data/configs/aimet_default.json`, which a
/// test keeps equal.
public enum AIMETDefaultConfig {
    public static let path = "Data/configs/aimet_default.json"

    public static let text = #"""
        {
          "defaults": {
            "ops": {
              "is_output_quantized": "True"
            },
            "params": {
              "is_quantized": "True",
              "is_symmetric": "True"
            },
            "strict_symmetric": "False",
            "per_channel_quantization": "False"
          },
          "params": {
            "bias": {
              "is_quantized": "False"
            }
          },
          "op_type": {
            "BatchNormalization": {
              "params": {
                "running_mean": {
                  "is_quantized": "False"
                },
                "running_var": {
                  "is_quantized": "False"
                }
              }
            },
            "Cast": {
              "is_output_quantized": "False"
            }
          },
          "supergroup_pass_list": [
            "MatmulAdd"
          ],
          "supergroups": [
            {
              "op_list": [
                "Conv",
                "Relu"
              ]
            },
            {
              "op_list": [
                "ConvTranspose",
                "Relu"
              ]
            },
            {
              "op_list": [
                "Conv",
                "Clip"
              ]
            },
            {
              "op_list": [
                "Add",
                "Relu"
              ]
            },
            {
              "op_list": [
                "Gemm",
                "Relu"
              ]
            }
          ],
          "model_input": {
            "is_input_quantized": "True"
          },
          "model_output": {}
        }

        """#
}

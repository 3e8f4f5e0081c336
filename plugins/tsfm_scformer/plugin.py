"""Entry point module of the SCFormer plugin: two registry names, one per variant.

`scformer` defaults to the triangular variant, `scformer_conv` to the convolutional one;
both accept every `SCFormerConfig` field (so `scformer` with variant="conv" is the same
model as `scformer_conv`). Presets follow the authors' scripts (ETTm* use conv)."""

from __future__ import annotations

import dataclasses

import tsfm
from tsfm.spec import BackboneSpec, Capabilities

from .model import SCFormerConfig, build_scformer, hippo_providers
from .presets import PRESETS

PAPER = "SCFormer: Structured Channel-wise Transformer with Cumulative Historical State (https://github.com/ShiweiGuo1995/SCFormer)"

_CAPABILITIES = Capabilities(tasks=("forecast",), needs_history_state=True, min_context_length=1)
# Tiny sizes for the conformance suite: a seconds-long HiPPO state and model.
_TEST_OVERRIDES = {"d_model": 16, "n_heads": 2, "e_layers": 1, "hippo_order": 8, "hippo_window": 48,
                   "qkv_kernel": 4, "conv_kernel": 4}
_TEST_SIZES = {"context_length": 24, "prediction_length": 6, "num_channels": 3}


@dataclasses.dataclass
class SCFormerConvConfig(SCFormerConfig):
    variant: str = "conv"


@tsfm.hookimpl
def tsfm_backbones() -> list[BackboneSpec]:
    return [
        BackboneSpec(
            name="scformer",
            config_cls=SCFormerConfig,
            build=build_scformer,
            capabilities=_CAPABILITIES,
            paper=PAPER,
            presets=PRESETS,
            feature_providers=hippo_providers,
            description="SCFormer (triangular): structured channel-wise transformer + HiPPO history state",
            test_overrides=_TEST_OVERRIDES,
            test_sizes=_TEST_SIZES,
        ),
        BackboneSpec(
            name="scformer_conv",
            config_cls=SCFormerConvConfig,
            build=build_scformer,
            capabilities=_CAPABILITIES,
            paper=PAPER,
            presets={name: {**values, "variant": "conv"} for name, values in PRESETS.items()},
            feature_providers=hippo_providers,
            description="SCFormer (conv): causal 1-D convolution transforms + HiPPO history state",
            test_overrides=_TEST_OVERRIDES,
            test_sizes=_TEST_SIZES,
        ),
    ]

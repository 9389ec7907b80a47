"""TorchScript export with the metadata libneuralisp checks before it runs a model.

The module is saved scripted but not frozen, with float32 weights: libneuralisp casts the weights
to the precision it runs (bfloat16 where the CPU computes it natively), lays them out
channels-last and freezes the graph at load time, so one file serves every precision.
"""
import torch

import net
from modelfile import save  # noqa: E402  (net put models/ on the path)


def metadata(model: net.Denoiser, name: str) -> str:
    return "\n".join([
        "format=neuralisp-model/2",
        "task=denoise",
        f"variant={name}",
        # The image tensors are the frame pixel-unshuffled by 2 (12 channels at half resolution):
        # the library converts frames straight into and out of that layout.
        "unshuffle=2",
        f"alignment={net.ALIGNMENT}",
        # Tiles overlap by this many pixels so that seams are invisible: the U-Net's context either
        # side, rounded up to a multiple of 32 (fast: 54 -> 64, quality: 90 -> 96). The margin
        # matters because the blend ramp spans the whole overlap: the pixels it weights lightly
        # near a tile's edge are the ones whose context the edge cut off.
        f"overlap={-(-net.context_radius(model) // 32) * 32}",
        "methods=forward,estimate,denoise_map",
        # level < 0 asks the network to estimate the noise level; strength 1 uses it as is.
        "method.forward.inputs=image:image/3,level:scalar=-1,strength:scalar=1",
        f"method.forward.outputs=image:image/3,level_map:map/1@{1 / net.ALIGNMENT}",
        # The two halves of forward, for a caller that changes the map in between (temporal
        # denoising).
        "method.estimate.inputs=image:image/3",
        f"method.estimate.outputs=level_map:map/1@{1 / net.ALIGNMENT}",
        f"method.denoise_map.inputs=image:image/3,level_map:map/1@{1 / net.ALIGNMENT}",
        "method.denoise_map.outputs=image:image/3",
        "",
    ])


def export(model: net.Denoiser, name: str, path: str) -> None:
    save(model, path, metadata(model, name))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Export a training checkpoint as a neuralisp TorchScript model")
    parser.add_argument("checkpoint", help="a training checkpoint, or with --reexport a model file")
    parser.add_argument("--model", choices=sorted(net.CONFIGS), required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--estimator", metavar="CHECKPOINT",
                        help="take the noise estimator from this checkpoint: it does not depend on the "
                             "denoiser, so both models can share one and report the same noise level")
    parser.add_argument("--reexport", action="store_true",
                        help="the checkpoint is a model file: write it again (to --out) with this code")
    args = parser.parse_args()
    model = net.build(args.model)
    model.load_state_dict(torch.jit.load(args.checkpoint).state_dict() if args.reexport
                          else torch.load(args.checkpoint)["model"])
    if args.estimator:
        prefix = "estimator."
        estimator = {k[len(prefix):]: v for k, v in torch.load(args.estimator)["model"].items() if k.startswith(prefix)}
        model.estimator.load_state_dict(estimator)
    export(model, args.model, args.out)

"""TorchScript export of the ispenhance network with the metadata libneuralisp checks.

Saved scripted, not frozen, float32: the library casts and freezes it for the precision it runs
in (see models/README.md).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import net  # noqa: E402
import style  # noqa: E402
from modelfile import save  # noqa: E402


def metadata(name: str) -> str:
    return "\n".join([
        "format=neuralisp-model/2",
        "task=enhance",
        f"variant={name}",
        "unshuffle=1",
        "alignment=1",
        "overlap=0",
        "methods=estimate",
        # A 64x64 copy of the frame and the style coefficients (exposure, contrast, saturation,
        # warmth; -1..1) in; the ISP parameters ColorTransform applies per pixel out.
        f"method.estimate.inputs=thumbnail:map/3,style:vector/{len(net.COEFFICIENTS)}=0;0;0;0",
        f"method.estimate.outputs=gains:vector/3,matrix:tensor/3x10,tone:vector/{net.TONE_SAMPLES}",
        # The looks it was trained on (name:exposure;contrast;saturation;warmth), which
        # neuralisp::enhance_preset_style must repeat.
        "presets=" + ",".join(f"{name}:" + ";".join(f"{v:g}" for v in c) for name, c in style.PRESETS.items()),
        "",
    ])


def export(model: net.Enhancer, name: str, path: str) -> None:
    save(model, path, metadata(name))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Export the ispenhance network as a neuralisp TorchScript model")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--model", default="fast", choices=sorted(net.CONFIGS))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    enhancer = net.build(args.model)
    enhancer.load_state_dict(torch.load(args.checkpoint)["model"])
    export(enhancer, args.model, args.out)

"""TorchScript export of the Bayer path's networks with the metadata libneuralisp checks.

Saved scripted, not frozen, float32: the library casts and freezes them for the precision they
run in (see models/README.md).
"""
import torch

import net
from modelfile import save  # noqa: E402  (net put models/ on the path)


def render_metadata(name: str) -> str:
    return "\n".join([
        "format=neuralisp-model/2",
        "task=raw2rgb",
        f"variant={name}",
        # The mosaic is a 1-channel image pixel-unshuffled by 2 (R, G1, G2, B of each RGGB cell).
        "unshuffle=2",
        f"alignment={net.ALIGNMENT}",
        "overlap=32",
        "methods=demosaic,color",
        "method.demosaic.inputs=mosaic:image/1",
        "method.demosaic.outputs=linear:image/3",
        # The global stage: a small copy of the frame (R, mean G, B) in, white balance and the
        # 3x10 quadratic colour transform out.
        "method.color.inputs=thumbnail:map/3",
        "method.color.outputs=gains:vector/3,matrix:tensor/3x10",
        "",
    ])


def unprocess_metadata(name: str) -> str:
    gains = ";".join(f"{g:.6g}" for g in net.DEFAULT_GAINS)
    matrix = ";".join(f"{v:.6g}" for v in net.default_matrix().flatten().tolist())
    return "\n".join([
        "format=neuralisp-model/2",
        "task=rgb2raw",
        f"variant={name}",
        "unshuffle=2",
        f"alignment={net.ALIGNMENT}",
        "overlap=8",
        "methods=unprocess",
        # The camera: white-balance gains and the colour matrix from balanced camera RGB to linear
        # sRGB, as a renderer would apply them; the defaults are the model's own camera.
        f"method.unprocess.inputs=image:image/3,gains:vector/3={gains},matrix:vector/9={matrix}",
        "method.unprocess.outputs=raw:image/3",
        "",
    ])


def export_renderer(model: net.Renderer, name: str, path: str) -> None:
    save(model, path, render_metadata(name))


def export_unprocessor(model: net.Unprocessor, name: str, path: str) -> None:
    save(model, path, unprocess_metadata(name))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Export the Bayer path's networks as neuralisp TorchScript models")
    parser.add_argument("network", choices=["render", "unprocess"])
    parser.add_argument("--checkpoint", help="render: the training checkpoint (unprocess without one: the "
                        "explicit inverse, its correction at zero)")
    parser.add_argument("--model", default="fast", choices=sorted(net.CONFIGS))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.network == "render":
        renderer = net.build(args.model)
        renderer.load_state_dict(torch.load(args.checkpoint)["model"])
        export_renderer(renderer, args.model, args.out)
    else:
        unprocessor = net.Unprocessor()
        if args.checkpoint:
            unprocessor.load_state_dict(torch.load(args.checkpoint)["model"])
        export_unprocessor(unprocessor, args.model, args.out)

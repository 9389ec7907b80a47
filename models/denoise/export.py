"""TorchScript export with the metadata libneuralisp checks before it runs a model."""
import copy

import torch

import net


def metadata(name: str) -> str:
    return "\n".join([
        "format=neuralisp-model/1",
        "task=denoise",
        f"variant={name}",
        "inputs=image,level,strength",
        "outputs=image,level_map",
        "output_channels=3,1",
        f"output_scales=1,{1 / net.ALIGNMENT}",
        # level < 0 asks the network to estimate the noise level; strength 1 uses it as is.
        "defaults=-1,1",
        "channels=3",
        f"alignment={net.ALIGNMENT}",
        # Tiles overlap by this many pixels so that seams are invisible (U-Net context).
        "overlap=48",
        "",
    ])


def export(model: net.Denoiser, name: str, path: str) -> None:
    frozen = torch.jit.freeze(torch.jit.script(copy.deepcopy(model).eval()))
    torch.jit.save(frozen, path, _extra_files={"neuralisp.meta": metadata(name)})


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Export a training checkpoint as a neuralisp TorchScript model")
    parser.add_argument("checkpoint")
    parser.add_argument("--model", choices=sorted(net.CONFIGS), required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--estimator", metavar="CHECKPOINT",
                        help="take the noise estimator from this checkpoint: it does not depend on the "
                             "denoiser, so both models can share one and report the same noise level")
    args = parser.parse_args()
    model = net.build(args.model)
    model.load_state_dict(torch.load(args.checkpoint)["model"])
    if args.estimator:
        prefix = "estimator."
        estimator = {k[len(prefix):]: v for k, v in torch.load(args.estimator)["model"].items() if k.startswith(prefix)}
        model.estimator.load_state_dict(estimator)
    export(model, args.model, args.out)

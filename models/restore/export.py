"""TorchScript export of a restoration checkpoint with the metadata libneuralisp checks.

Saved scripted, not frozen, float32: the library casts and freezes it for the precision it runs.
The file declares three methods, so that the library estimates the input's levels once per frame,
runs the trunk once per frame told them, and a head per requested output (see models/README.md).
"""
import torch

import net
from modelfile import save  # noqa: E402  (net put models/ on the path)


def metadata(name: str) -> str:
    return "\n".join([
        "format=neuralisp-model/2",
        "task=restore",
        f"variant={name}",
        "unshuffle=2",
        f"alignment={net.ALIGNMENT}",
        "overlap=64",
        "methods=estimate,trunk,head",
        # The input's blur, noise and JPEG levels on the task scale: what the trunk is told (the
        # library smooths it over frames) and blind mode's task.
        "method.estimate.inputs=image:image/3",
        "method.estimate.outputs=levels:vector/3",
        "method.trunk.inputs=image:image/3,levels:vector/3=0;0;0",
        "method.trunk.outputs=features:features",
        # The task vector: how much blur, noise and JPEG to remove (0 = keep, 1 = all).
        "method.head.inputs=features:features,task:vector/3=0;0;0",
        "method.head.outputs=image:image/3",
        "",
    ])


def export(model: net.Restorer, name: str, path: str) -> None:
    save(model, path, metadata(name))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Export a restoration checkpoint as a neuralisp TorchScript model")
    parser.add_argument("checkpoint")
    parser.add_argument("--model", choices=sorted(net.CONFIGS), required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    model = net.build(args.model)
    model.load_state_dict(torch.load(args.checkpoint)["model"])
    export(model, args.model, args.out)

#!/usr/bin/python3
"""Writes the small models the tests load (committed next to this script).

    /usr/bin/python3 tests/data/make_test_models.py
"""
import os
import sys
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "denoise"))
from export import metadata  # noqa: E402

torch.manual_seed(0)  # the same files every time


class HalfSizeOutput(nn.Module):
    """Declares itself a denoiser but returns a half-size image."""

    def forward(self, half: torch.Tensor, level: torch.Tensor, strength: torch.Tensor):
        n, _, h, w = half.shape
        return F.avg_pool2d(half, 2), torch.zeros(n, 1, h // 4, w // 4)


class Identity(nn.Module):
    """A denoiser that changes nothing: format round trips through the whole element path."""

    def __init__(self):
        super().__init__()
        # One convolution, so that the precision path (casting weights, channels-last, freezing)
        # is exercised; it adds exactly zero.
        self.zero = nn.Conv2d(12, 12, 1)
        nn.init.zeros_(self.zero.weight)
        nn.init.zeros_(self.zero.bias)

    def forward(self, half: torch.Tensor, level: torch.Tensor, strength: torch.Tensor):
        n, _, h, w = half.shape
        return half + self.zero(half.to(self.zero.weight.dtype)).float(), torch.zeros(n, 1, h // 4, w // 4)


class TrunkAndHeads(nn.Module):
    """The multi-output mechanism: a trunk computed once per frame, heads run from its features
    with a task vector each, and a global method returning a fixed-shape tensor.

    trunk(image) -> features (a tuple of the input and a feature map)
    head(features, task[3]) -> image: the input plus the task vector's first value
    colour(image) -> tensor [3, 4]: the identity colour matrix scaled by the image's mean
    """

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    @torch.jit.export
    def trunk(self, image: torch.Tensor):
        return image, self.conv(image.to(self.conv.weight.dtype))

    @torch.jit.export
    def head(self, features: Tuple[torch.Tensor, torch.Tensor], task: torch.Tensor) -> torch.Tensor:
        image, _ = features
        return image + task[:, 0].view(-1, 1, 1, 1)

    @torch.jit.export
    def colour(self, image: torch.Tensor) -> torch.Tensor:
        return torch.eye(3, 4).unsqueeze(0) * image.mean()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return image


TRUNK_AND_HEADS_META = "\n".join([
    "format=neuralisp-model/2",
    "task=test-heads",
    "variant=test",
    "unshuffle=1",
    "alignment=4",
    "overlap=8",
    "methods=trunk,head,colour",
    "method.trunk.inputs=image:image/3",
    "method.trunk.outputs=features:features",
    "method.head.inputs=features:features,task:vector/3=0;0;0",
    "method.head.outputs=image:image/3",
    "method.colour.inputs=image:image/3@0.25",
    "method.colour.outputs=matrix:tensor/3x4",
    "",
])

class NotANumber(nn.Module):
    """Declares itself a denoiser and returns NaN: a broken model must not pass as black frames."""

    def forward(self, half: torch.Tensor, level: torch.Tensor, strength: torch.Tensor):
        n, _, h, w = half.shape
        return half * float("nan"), torch.zeros(n, 1, h // 4, w // 4)


class ShiftingRestorer(nn.Module):
    """A restorer (trunk and heads on the unshuffled frame) whose head adds a tenth of the task's
    deblur value and a tenth of the deblur level the trunk was told to every pixel: each output
    shows which task it got and which levels reached the trunk."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(12, 8, 3, padding=1)

    @torch.jit.export
    def trunk(self, half: torch.Tensor, levels: torch.Tensor):
        return half, self.conv(half.to(self.conv.weight.dtype)), levels

    @torch.jit.export
    def head(self, features: Tuple[torch.Tensor, torch.Tensor, torch.Tensor], task: torch.Tensor) -> torch.Tensor:
        half, _, levels = features
        return half + 0.1 * (task[:, 0] + levels[:, 0]).view(-1, 1, 1, 1)

    def forward(self, half: torch.Tensor) -> torch.Tensor:
        return half


class EstimatingRestorer(ShiftingRestorer):
    """The shifting restorer with an estimate: it "estimates" every level as the frame's mean
    brightness, so a test sees which estimate each output was restored with."""

    @torch.jit.export
    def estimate(self, half: torch.Tensor) -> torch.Tensor:
        return half.mean().clamp(0, 1).view(1, 1).repeat(1, 3)


SHIFTING_RESTORER_META = "\n".join([
    "format=neuralisp-model/2",
    "task=restore",
    "variant=test",
    "unshuffle=2",
    "alignment=8",
    "overlap=16",
    "methods=trunk,head",
    "method.trunk.inputs=image:image/3,levels:vector/3=0;0;0",
    "method.trunk.outputs=features:features",
    "method.head.inputs=features:features,task:vector/3=0;0;0",
    "method.head.outputs=image:image/3",
    "",
])

OLD_FORMAT_META = "\n".join(["format=neuralisp-model/1", "task=denoise", "inputs=image,level,strength", ""])

torch.jit.save(torch.jit.script(HalfSizeOutput()), os.path.join(HERE, "wrong-shape.pt"),
               _extra_files={"neuralisp.meta": metadata("wrong-shape")})
torch.jit.save(torch.jit.script(Identity()), os.path.join(HERE, "no-metadata.pt"))
torch.jit.save(torch.jit.script(Identity()), os.path.join(HERE, "identity.pt"),
               _extra_files={"neuralisp.meta": metadata("identity")})
torch.jit.save(torch.jit.script(Identity()), os.path.join(HERE, "old-format.pt"),
               _extra_files={"neuralisp.meta": OLD_FORMAT_META})
torch.jit.save(torch.jit.script(NotANumber()), os.path.join(HERE, "nan-output.pt"),
               _extra_files={"neuralisp.meta": metadata("nan")})
torch.jit.save(torch.jit.script(Identity()), os.path.join(HERE, "huge-alignment.pt"),
               _extra_files={"neuralisp.meta": metadata("huge").replace("alignment=8", "alignment=1000000000")})
torch.jit.save(torch.jit.script(ShiftingRestorer()), os.path.join(HERE, "shifting-restorer.pt"),
               _extra_files={"neuralisp.meta": SHIFTING_RESTORER_META})
ESTIMATING_RESTORER_META = SHIFTING_RESTORER_META.replace("methods=trunk,head", "methods=estimate,trunk,head") + "\n".join([
    "method.estimate.inputs=image:image/3",
    "method.estimate.outputs=levels:vector/3",
    "",
])
torch.jit.save(torch.jit.script(EstimatingRestorer()), os.path.join(HERE, "estimating-restorer.pt"),
               _extra_files={"neuralisp.meta": ESTIMATING_RESTORER_META})
heads = torch.jit.script(TrunkAndHeads())
torch.jit.save(heads, os.path.join(HERE, "trunk-and-heads.pt"), _extra_files={"neuralisp.meta": TRUNK_AND_HEADS_META})

# The Bayer path: the library's RAW mechanics (pattern mirroring, levels, colour transform) with
# networks whose output is known. models/raw's modules are loaded under their own names: `net`
# and `export` above are the denoiser's.
import importlib.util  # noqa: E402


def load_task_module(task, name):
    """models/<task>/<name>.py under a name of its own (every task has a net.py and an export.py)."""
    path = os.path.join(HERE, "..", "..", "models", task, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"{task}_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


raw_net = load_task_module("raw", "net")
denoise_net = sys.modules["net"]
sys.modules["net"] = raw_net  # what models/raw/export.py imports
raw_export = load_task_module("raw", "export")
sys.modules["net"] = denoise_net


class GreyWorldRenderer(nn.Module):
    """A RAW renderer with a bilinear demosaic and grey-world white balance (gains that make the
    thumbnail's mean grey) and the identity colour matrix."""

    def __init__(self):
        super().__init__()
        self.base = nn.Conv2d(4, 12, 3, padding=1, bias=False)
        with torch.no_grad():
            self.base.weight.copy_(raw_net.bilinear_demosaic_weight())

    @torch.jit.export
    def demosaic(self, mosaic: torch.Tensor) -> torch.Tensor:
        return self.base(mosaic.to(self.base.weight.dtype)).float()

    @torch.jit.export
    def color(self, thumbnail: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        means = thumbnail.float().mean(dim=(2, 3)).clamp_min(1e-3)
        matrix = torch.zeros(1, 3, 10)
        matrix[0, 0, 0] = 1.0
        matrix[0, 1, 1] = 1.0
        matrix[0, 2, 2] = 1.0
        return means[:, 1:2] / means, matrix

    def forward(self, mosaic: torch.Tensor) -> torch.Tensor:
        return self.demosaic(mosaic)


raw_export.export_renderer(GreyWorldRenderer(), "grey-world", os.path.join(HERE, "grey-world-raw2rgb.pt"))
# The reverse ISP untrained: its correction starts at zero, so it is the explicit inverse.
raw_export.export_unprocessor(raw_net.Unprocessor(), "explicit", os.path.join(HERE, "explicit-rgb2raw.pt"))


# Enhancement: the library's mechanics (thumbnail, smoothing over frame time, strength, the
# per-pixel transform) with a network whose answer is known.
enhance_net = load_task_module("enhance", "net")
sys.modules["net"] = enhance_net  # what models/enhance/export.py and style.py import
sys.modules["style"] = load_task_module("enhance", "style")
enhance_export = load_task_module("enhance", "export")
sys.modules["net"] = denoise_net


class GreyWorldEnhancer(nn.Module):
    """Grey world to a mean of 0.5 per channel, warmth as red and blue gains (x1.25 at +1),
    saturation as chroma scaled about the channel mean (0 at -1, x2 at +1), exposure as the tone
    curve x^(2^-exposure); contrast ignored."""

    @torch.jit.export
    def estimate(self, thumbnail: torch.Tensor, style: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        means = thumbnail.float().mean(dim=(2, 3)).clamp_min(1e-3)
        warm = torch.stack([1.25 ** style[:, 3], torch.ones_like(style[:, 3]), 1.25 ** -style[:, 3]], dim=1)
        gains = 0.5 / means * warm
        s = 1.0 + style[0, 2]
        matrix = torch.zeros(1, 3, 10)
        matrix[0, :, :3] = (1 - s) / 3.0 + s * torch.eye(3)
        samples = torch.linspace(0, 1, 33).view(1, 33)
        tone = samples ** (2.0 ** -style[:, 0:1])
        return gains, matrix, tone

    def forward(self, thumbnail: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.estimate(thumbnail, style)[0]


enhance_export.export(GreyWorldEnhancer(), "grey-world", os.path.join(HERE, "grey-world-enhancer.pt"))


class IdentityEnhancer(nn.Module):
    """Parameters that change nothing: unit gains, the identity matrix, a straight tone curve."""

    @torch.jit.export
    def estimate(self, thumbnail: torch.Tensor, style: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        matrix = torch.zeros(1, 3, 10)
        matrix[0, :, :3] = torch.eye(3)
        return torch.ones(1, 3), matrix, torch.linspace(0, 1, 33).view(1, 33)

    def forward(self, thumbnail: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.estimate(thumbnail, style)[0]


enhance_export.export(IdentityEnhancer(), "identity", os.path.join(HERE, "identity-enhancer.pt"))

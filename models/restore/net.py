"""Controllable restoration for isprestore (TASNet-style): a shared trunk and task-conditioned heads.

A restoration task is a vector t = l_in - l_gt of degradation levels in [0, 1]: blur (Gaussian
sigma / 4), noise (sigma / 50) and JPEG ((100 - quality) / 90), applied in that order (seed 000,
chapter 2). The trunk is task-agnostic: it runs once per frame and its features serve every
output. Each head is task-specific: it selects channels of its layers from the task vector (a
small MLP gives per-channel gains and offsets, the soft form of TASNet's channel selection; at
inference they fold into the convolution weights, so they cost nothing per pixel) and predicts
the residual to the input, so t = 0 is the identity. The trunk holds most of the
compute, so that M outputs cost far less than M passes.

Like the denoiser, the network never convolves at full resolution: it takes and returns the frame
pixel-unshuffled by 2 (12 channels at half resolution); stages at 1/2, 1/4 and 1/8 resolution.
Methods (see export.py): trunk(half) -> features; head(features, task[3]) -> restored half;
forward(half, task) = head(trunk(half), task) for training and single-output use.
"""
import os
import sys
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from layers import conv, conv_stack, upsample_add  # noqa: E402

ALIGNMENT = 8
TASKS = ("blur", "noise", "jpeg")
MAX_BLUR_SIGMA = 4.0
MAX_NOISE_SIGMA = 50.0


def fold(weight: torch.Tensor, bias: Optional[torch.Tensor], gain: torch.Tensor, offset: torch.Tensor):
    """conv(x, weight, bias) * gain + offset == conv(x, weight * gain, bias * gain + offset), per
    output channel, for one task (gain and offset [1, C, 1, 1])."""
    assert bias is not None
    g = gain.view(-1)
    return weight * g.view(-1, 1, 1, 1), bias * g + offset.view(-1)


class TaskGains(nn.Module):
    """Per-channel gain and offset of each head layer from the task vector: channel selection."""

    def __init__(self, widths: List[int], hidden: int = 64):
        super().__init__()
        self.widths = widths
        self.mlp = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 2 * sum(widths)))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)

    def forward(self, task: torch.Tensor) -> List[Tuple[torch.Tensor, torch.Tensor]]:
        out = self.mlp(task)
        result: List[Tuple[torch.Tensor, torch.Tensor]] = []
        start = 0
        for width in self.widths:
            gain = 2.0 * torch.sigmoid(out[:, start:start + width]).view(-1, width, 1, 1)
            offset = out[:, start + width:start + 2 * width].view(-1, width, 1, 1)
            result.append((gain, offset))
            start += 2 * width
        return result


class Restorer(nn.Module):
    def __init__(self, widths: Tuple[int, int, int], depths: Tuple[int, int, int]):
        super().__init__()
        c1, c2, c3 = widths
        d1, d2, d3 = depths
        # Trunk (task-agnostic): encoder and bottom.
        self.stem = conv(12, c1)
        self.enc1 = conv_stack(c1, d1)
        self.down1 = nn.Conv2d(c1, c2, 2, stride=2)
        self.enc2 = conv_stack(c2, d2)
        self.down2 = nn.Conv2d(c2, c3, 2, stride=2)
        self.bottom = conv_stack(c3, d3)
        # Head (task-specific): a light decoder whose channels the task selects.
        self.gains = TaskGains([c3, c2, c1])
        self.up2 = nn.Conv2d(c3, 4 * c2, 1)
        self.dec2 = conv(c2, c2)
        self.up1 = nn.Conv2d(c2, 4 * c1, 1)
        self.tail = conv(c1, 12)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    @torch.jit.export
    def trunk(self, half: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        x = half.to(self.stem.weight.dtype)
        x1 = self.enc1(F.relu(self.stem(x)))
        x2 = self.enc2(F.relu(self.down1(x1)))
        x3 = self.bottom(F.relu(self.down2(x2)))
        return half, x1, x2, x3

    @torch.jit.export
    def head(self, features: Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
             task: torch.Tensor) -> torch.Tensor:
        half, x1, x2, x3 = features
        (g3, b3), (g2, b2), (g1, b1) = self.gains(task.to(x3.dtype))
        y3 = F.relu(x3 * g3 + b3)  # 1/8 resolution: cheap
        if task.shape[0] == 1:
            # One task (inference): a channel's gain and offset fold into the weights and bias of
            # the convolution that makes it, so selecting channels costs no pass over the features.
            w2, c2 = fold(self.dec2.weight, self.dec2.bias, g2, b2)
            z2 = upsample_add(self.up2.weight, self.up2.bias, y3, x2)
            y2 = F.relu(F.conv2d(z2, w2, c2, padding=1))
            w1, c1 = fold(self.up1.weight, self.up1.bias, g1.repeat_interleave(4, dim=1), b1.repeat_interleave(4, dim=1))
            y1 = F.relu(upsample_add(w1, c1, y2, x1))
        else:
            # A batch of tasks (training): the same arithmetic on the features.
            y2 = F.relu(self.dec2(upsample_add(self.up2.weight, self.up2.bias, y3, x2)) * g2 + b2)
            zero = torch.zeros_like(x1)
            y1 = F.relu(upsample_add(self.up1.weight, self.up1.bias, y2, zero) * g1 + b1 + x1)
        return half + self.tail(y1).to(half.dtype)

    def forward(self, half: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(half), task)


CONFIGS = {
    "fast": dict(widths=(24, 48, 96), depths=(1, 2, 3)),
}


def build(name: str) -> Restorer:
    return Restorer(**CONFIGS[name])


def macs_per_pixel(model: Restorer) -> Tuple[float, float]:
    """Multiply-accumulates per full-resolution pixel of the trunk and of one head (convolutions)."""
    downscale = {"stem": 4, "enc1": 4, "down1": 16, "enc2": 16, "down2": 64, "bottom": 64,
                 "up2": 64, "dec2": 16, "up1": 16, "tail": 4}
    trunk_parts = {"stem", "enc1", "down1", "enc2", "down2", "bottom"}
    trunk = head = 0.0
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            top = name.partition(".")[0]
            macs = m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1] / downscale[top]
            if top in trunk_parts:
                trunk += macs
            else:
                head += macs
    return trunk, head

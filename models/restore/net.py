"""Controllable restoration for isprestore (TASNet-style): a shared trunk and task-conditioned heads.

A restoration task is a vector t = l_in - l_gt of degradation levels in [0, 1]: blur (Gaussian
sigma / 4), noise (sigma / 50) and JPEG ((100 - quality) / 90), applied in that order (seed 000,
chapter 2). The trunk is task-agnostic: it runs once per frame and its features serve every
output. Each head is task-specific: it selects channels of its layers from the task vector (a
small MLP gives a positive gain per channel, the soft form of TASNet's channel selection; at
inference the gains fold into the convolution weights, so they cost nothing per pixel) and
predicts the residual to the input. The trunk holds most of the compute, so that M outputs cost
far less than M passes.

Like the denoiser, the network never convolves at full resolution: it takes and returns the frame
pixel-unshuffled by 2 (12 channels at half resolution); stages at 1/2, 1/4 and 1/8 resolution.
Methods (see export.py): trunk(half) -> features; head(features, task[3]) -> restored half;
estimate(features) -> levels[3], the input's degradation on the task scale (blind mode: the
estimate is the task, so that the output is restored fully); forward(half, task) =
head(trunk(half), task) for training and single-output use.
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


def fold(weight: torch.Tensor, bias: Optional[torch.Tensor], gain: torch.Tensor):
    """conv(x, weight, bias) * gain == conv(x, weight * gain, bias * gain), per output channel,
    for one task (gain [1, C, 1, 1])."""
    assert bias is not None
    g = gain.view(-1)
    return weight * g.view(-1, 1, 1, 1), bias * g


class TaskGains(nn.Module):
    """A positive gain per channel of each head layer from the task vector: channel selection.
    Multiplicative only: a positive gain commutes with the ReLU after it (relu(a) * g =
    relu(a * g)), so the task can dim a channel but never switch it off for every input, and it
    folds into the weights exactly."""

    def __init__(self, widths: List[int], hidden: int = 64):
        super().__init__()
        self.widths = widths
        self.mlp = nn.Sequential(nn.Linear(3, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, sum(widths)))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)

    def forward(self, task: torch.Tensor) -> List[torch.Tensor]:
        out = self.mlp(task)
        result: List[torch.Tensor] = []
        start = 0
        for width in self.widths:
            result.append(2.0 * torch.sigmoid(out[:, start:start + width]).view(-1, width, 1, 1))
            start += width
        return result


class LevelEstimator(nn.Module):
    """The input's blur, noise and JPEG levels from statistics of the trunk's features: the log of
    each channel's spatial mean and standard deviation at 1/2, 1/4 and 1/8 resolution (a frame
    has one degradation, and noise, blur and blocking show in how much each feature varies), then
    a small MLP. The logarithm makes it indifferent to the features' scale: reading the 1/8
    features through a 1x1 convolution and a global average instead, it learned a constant (the
    average level, 0.3 off) once the trunk's features came out small. Float32 after the
    pooling, so that the levels are exact enough to smooth over time."""

    def __init__(self, widths: Tuple[int, int, int], hidden: int = 64):
        super().__init__()
        self.levels = nn.Sequential(nn.Linear(2 * sum(widths), hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 3))

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, x3: torch.Tensor) -> torch.Tensor:
        stats: List[torch.Tensor] = []
        for x in (x1, x2, x3):
            f = x.float()
            stats.append(torch.log(f.mean(dim=(2, 3)) + 1e-4))
            stats.append(torch.log(f.std(dim=(2, 3)) + 1e-4))
        # Float32 weights too: the library casts the module's to bfloat16.
        first, last = self.levels[0], self.levels[2]
        hidden = F.relu(F.linear(torch.cat(stats, dim=1), first.weight.float(), first.bias.float()))
        return torch.sigmoid(F.linear(hidden, last.weight.float(), last.bias.float()))


class Restorer(nn.Module):
    def __init__(self, widths: Tuple[int, int, int], depths: Tuple[int, int, int]):
        super().__init__()
        c1, c2, c3 = widths
        d1, d2, d3 = depths
        # Trunk (task-agnostic): encoder and bottom, most of the compute.
        self.stem = conv(12, c1)
        self.enc1 = conv_stack(c1, d1)
        self.down1 = nn.Conv2d(c1, c2, 2, stride=2)
        self.enc2 = conv_stack(c2, d2)
        self.down2 = nn.Conv2d(c2, c3, 2, stride=2)
        self.bottom = conv_stack(c3, d3)
        self.estimator = LevelEstimator(widths)
        # Head (task-specific): a light decoder, one convolution per scale, whose channels the
        # task selects.
        self.gains = TaskGains([c3, c2, c1])
        self.up2 = nn.Conv2d(c3, 4 * c2, 1)
        self.dec2 = conv(c2, c2)
        self.up1 = nn.Conv2d(c2, 4 * c1, 1)
        self.dec1 = conv(c1, c1)
        self.tail = conv(c1, 12)
        # PyTorch's default initialisation, which shrinks the features about 2.5-fold per layer,
        # so that at the start the short paths (the 1/2-scale skip into the tail) dominate and the
        # fine residual a denoiser needs is learned first: with He initialisation the noise task
        # gained 1.3 dB less in its first 1,000 steps. The tail starts at zero: the identity.
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
    def estimate(self, features: Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]) -> torch.Tensor:
        # Detached: the estimator learns to read the trunk's features, never to change them, so
        # that the blind mode costs the manual mode nothing.
        return self.estimator(features[1].detach(), features[2].detach(), features[3].detach())

    def selected(self, weight: torch.Tensor, bias: Optional[torch.Tensor], x: torch.Tensor,
                 gain: torch.Tensor) -> torch.Tensor:
        """conv3x3(x) * gain + x: the task's channel selection on a residual layer, so that the
        trunk's skip features reach the tail whatever the task. No ReLU after the sum: with one,
        the noise task learned 2 dB slower in equal steps (the tail's input lost its negative
        half)."""
        if gain.shape[0] == 1:
            # One task (inference): the gain folds into the layer's weights and bias, and the
            # residual into the kernel's centre, so selecting channels costs no pass over the
            # features.
            folded_weight, folded_bias = fold(weight, bias, gain)
            c = weight.shape[0]
            # (LibTorch 1.13 has no bfloat16 eye.)
            identity = F.pad(torch.eye(c, device=weight.device).to(weight.dtype).view(c, c, 1, 1), [1, 1, 1, 1])
            return F.conv2d(x, folded_weight + identity, folded_bias, padding=1)
        return F.conv2d(x, weight, bias, padding=1) * gain + x  # a batch of tasks (training)

    @torch.jit.export
    def head(self, features: Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
             task: torch.Tensor) -> torch.Tensor:
        half, x1, x2, x3 = features
        g3, g2, g1 = self.gains(task.to(x3.dtype))
        y3 = x3 * g3  # 1/8 resolution: cheap
        y2 = self.selected(self.dec2.weight, self.dec2.bias, upsample_add(self.up2.weight, self.up2.bias, y3, x2), g2)
        y1 = self.selected(self.dec1.weight, self.dec1.bias, upsample_add(self.up1.weight, self.up1.bias, y2, x1), g1)
        return half + self.tail(y1).to(half.dtype)

    def forward(self, half: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(half), task)


CONFIGS = {
    "fast": dict(widths=(24, 48, 96), depths=(2, 3, 6)),
}


def build(name: str) -> Restorer:
    return Restorer(**CONFIGS[name])


def macs_per_pixel(model: Restorer) -> Tuple[float, float]:
    """Multiply-accumulates per full-resolution pixel of the trunk and of one head (convolutions)."""
    downscale = {"stem": 4, "enc1": 4, "down1": 16, "enc2": 16, "down2": 64, "bottom": 64,
                 "up2": 64, "dec2": 16, "up1": 16, "dec1": 4, "tail": 4, "estimator": 64}
    trunk_parts = {"stem", "enc1", "down1", "enc2", "down2", "bottom", "estimator"}
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


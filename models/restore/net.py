"""Controllable restoration for isprestore (TASNet-style): a shared trunk and task-conditioned heads.

A restoration task is a vector t = l_in - l_gt of degradation levels in [0, 1]: blur (Gaussian
sigma / 4), noise (sigma / 50) and JPEG ((100 - quality) / 90), applied in that order (seed 000,
chapter 2). The trunk is task-agnostic: it runs once per frame and its features serve every
output. Each head is task-specific: it selects channels of its layers from the task vector (a
small MLP gives a positive gain per channel, the soft form of TASNet's channel selection; at
inference the gains fold into the convolution weights, so they cost nothing per pixel) and
predicts the residual to the input. The trunk holds most of the compute, so that M outputs cost
far less than M passes.

The noise task is ispdenoise's: the trunk runs the trained fast denoiser (its weights to start
with, trained further at a share of the learning rate, with its own local noise estimate) and each head starts from the input moved toward the denoised frame by the
share of the local noise its task removes, then adds a learned residual for blur, JPEG and what the
denoiser left. Trained in the three-task mixture, the restorer's own decoder learned noise four
times slower than blur and stayed 5 dB behind the denoiser (models/restore/README.md).

Like the denoiser, the network never convolves at full resolution: it takes and returns the frame
pixel-unshuffled by 2 (12 channels at half resolution); stages at 1/2, 1/4 and 1/8 resolution.
Methods (see export.py): estimate(half) -> levels[3], the input's degradation on the task
scale; trunk(half, levels[3]) -> features, told what the input is (the library smooths the
estimate over frames and passes it); head(features, task[3]) -> restored half. Blind mode uses
the estimate as the task, so that the output is restored fully. forward(half, levels, task) =
head(trunk(half, levels), task) for training.
"""
import importlib.util
import math
import os
import sys
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from layers import ReLU, conv, conv_stack, relu_, upsample_add  # noqa: E402


def _denoise_net():
    """models/denoise/net.py under its own name: both tasks call their module net.py."""
    spec = importlib.util.spec_from_file_location(
        "denoise_net", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "denoise", "net.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["denoise_net"] = module
    spec.loader.exec_module(module)
    return module


denoise_net = _denoise_net()

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
        self.mlp = nn.Sequential(nn.Linear(3, hidden), ReLU(), nn.Linear(hidden, sum(widths)))
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
    """The input's blur, noise and JPEG levels, from the pixel-unshuffled frame itself: two small
    convolution stages (1/2 and 1/4 resolution), then statistics that do not depend on where in
    the frame a feature is, and an MLP. The statistics, per channel of each stage: the log of the
    spatial mean and standard deviation, and the mean and standard deviation of the log of the
    local energy (4x4 windows), which flat regions dominate and texture does not, as a noise
    floor should. And, for the 1/2-scale features' energy, its mean at each of the 4x4 positions
    of the 8x8 JPEG block grid (the frame's origin is the grid's): blocking shows as energy that
    depends on the position. It runs once per frame on the whole frame, before the trunk.
    Float32 after the convolutions, so that the levels are exact enough to smooth over time."""

    __constants__ = ["min_side"]

    def __init__(self, widths: Tuple[int, int] = (24, 32), hidden: int = 64):
        super().__init__()
        self.min_side = 16  # pixel-unshuffled cells a side
        w1, w2 = widths
        self.conv1 = conv(12, w1)
        self.down = nn.Conv2d(w1, w2, 2, stride=2)
        self.conv2 = conv(w2, w2)
        self.levels = nn.Sequential(nn.Linear(4 * (w1 + w2) + 16, hidden), ReLU(), nn.Linear(hidden, 3))

    @staticmethod
    def mean_and_std(f: torch.Tensor, square: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Per channel, over the image (`square` = f * f); the standard deviation unbiased, from
        the mean and the mean square: on channels-last features two plain means run several
        times faster than torch.std (5 ms of the 13 a 640x480 estimate took)."""
        n = f.shape[2] * f.shape[3]
        mean = f.mean(dim=(2, 3))
        variance = (square.mean(dim=(2, 3)) - mean * mean) * (n / max(n - 1, 1))
        # Clamped above 0: a constant channel (every ReLU off) must not give sqrt's infinite
        # gradient.
        return mean, variance.clamp(min=1e-12).sqrt()

    def statistics(self, f: torch.Tensor, square: torch.Tensor) -> List[torch.Tensor]:
        mean, std = self.mean_and_std(f, square)
        energy = torch.log(F.avg_pool2d(square, 4) + 1e-6)
        energy_mean, energy_std = self.mean_and_std(energy, energy * energy)
        return [torch.log(mean + 1e-4), torch.log(std + 1e-4), energy_mean, energy_std]

    def forward(self, half: torch.Tensor) -> torch.Tensor:
        # A frame under 32 pixels a side (as small as 1x1, padded to the alignment) is repeated
        # out to the right and bottom, keeping the block grid, so that every stage has windows.
        h, w = half.shape[2], half.shape[3]
        if h < self.min_side or w < self.min_side:
            half = F.pad(half, (0, max(0, self.min_side - w), 0, max(0, self.min_side - h)), mode="replicate")
        x = half.to(self.conv1.weight.dtype)
        f1 = relu_(self.conv1(x))
        f2 = relu_(self.conv2(relu_(self.down(f1))))
        f1, f2 = f1.float(), f2.float()
        n, _, h, w = f1.shape
        # The 8x8 block grid is a 4x4 grid at half resolution: mean energy per position in it.
        square1 = f1 * f1
        grid = square1.mean(dim=1).view(n, h // 4, 4, w // 4, 4).mean(dim=(1, 3)).reshape(n, 16)
        grid = torch.log(grid + 1e-6)
        stats = self.statistics(f1, square1) + self.statistics(f2, f2 * f2) + [grid - grid.mean(dim=1, keepdim=True)]
        # Float32 weights too: the library casts the module's to bfloat16.
        first, last = self.levels[0], self.levels[2]
        hidden = relu_(F.linear(torch.cat(stats, dim=1), first.weight.float(), first.bias.float()))
        return torch.sigmoid(F.linear(hidden, last.weight.float(), last.bias.float()))


class LevelConditioning(nn.Module):
    """Tells the trunk the input's levels: a gain and an offset per channel of the first
    convolution of each trunk stage (FiLM), from an MLP of the levels. The trunk stays
    task-agnostic (it never sees the task, only what the input is), but it no longer has to find
    the noise level before it can tell noise from texture: told the true levels, the noise task
    gained 2.7 dB more in equal training (models/restore/README.md). At inference, with one
    frame per call, the gain and offset fold into the convolution's weights and bias. Starts as
    no change (gain 1, offset 0), so that an unconditioned network's weights carry over."""

    def __init__(self, widths: List[int], hidden: int = 64):
        super().__init__()
        self.widths = widths
        self.mlp = nn.Sequential(nn.Linear(3, hidden), ReLU(), nn.Linear(hidden, 2 * sum(widths)))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)

    def forward(self, levels: torch.Tensor) -> List[Tuple[torch.Tensor, torch.Tensor]]:
        out = self.mlp(levels)
        result: List[Tuple[torch.Tensor, torch.Tensor]] = []
        start = 0
        for width in self.widths:
            gain = 2.0 * torch.sigmoid(out[:, start:start + width])
            offset = out[:, start + width:start + 2 * width]
            result.append((gain.reshape(-1, width, 1, 1), offset.reshape(-1, width, 1, 1)))
            start += 2 * width
        return result


def conditioned(weight: torch.Tensor, bias: Optional[torch.Tensor], x: torch.Tensor,
                film: Tuple[torch.Tensor, torch.Tensor], stride: int, padding: int) -> torch.Tensor:
    """relu(conv(x) * gain + offset) for a convolution of that stride and padding; for one frame
    the gain and offset fold into its weights and bias. The ReLUs here and in the denoiser run in
    place: a frozen graph keeps an out-of-place one as a pass that allocates and writes a new
    feature map."""
    gain, offset = film
    assert bias is not None
    if gain.shape[0] == 1:
        folded_weight, folded_bias = fold(weight, bias, gain)
        return relu_(F.conv2d(x, folded_weight, folded_bias + offset.reshape(-1), stride=stride, padding=padding))
    return relu_(F.conv2d(x, weight, bias, stride=stride, padding=padding) * gain + offset)


class Restorer(nn.Module):
    __constants__ = ["noise_task_scale"]

    def __init__(self, widths: Tuple[int, int, int], depths: Tuple[int, int, int], denoiser: dict):
        super().__init__()
        self.noise_task_scale = MAX_NOISE_SIGMA / 255.0  # denoise = 1 removes this sigma (0-1 scale)
        c1, c2, c3 = widths
        d1, d2, d3 = depths
        # Trunk (task-agnostic): the denoiser, then an encoder and bottom on the frame and its
        # denoised copy (24 channels), most of the compute. The denoiser starts from ispdenoise's
        # weights (train.py loads them), frozen unless train.py --denoiser-lr-scale trains it.
        self.denoiser = denoise_net.Denoiser(**denoiser)
        self.denoiser.requires_grad_(False)
        # The denoiser's conditioning: its own local noise map and the frame's estimated noise
        # level, mixed by weights that depend on the frame's levels (see trunk()). Starts as their
        # mean.
        self.noise_conditioning = nn.Linear(3, 2)
        nn.init.zeros_(self.noise_conditioning.weight)
        nn.init.constant_(self.noise_conditioning.bias, math.log(math.exp(0.5) - 1.0))  # softplus -> 0.5
        self.stem = conv(24, c1)
        self.enc1 = conv_stack(c1, d1)
        self.down1 = nn.Conv2d(c1, c2, 2, stride=2)
        self.enc2 = conv_stack(c2, d2)
        self.down2 = nn.Conv2d(c2, c3, 2, stride=2)
        self.bottom = conv_stack(c3, d3)
        self.level_estimator = LevelEstimator()
        self.conditioning = LevelConditioning([c1, c2, c3])
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
    def estimate(self, half: torch.Tensor) -> torch.Tensor:
        """The input's degradation levels on the task scale: what the trunk is told, and blind
        mode's task."""
        return self.level_estimator(half)

    @torch.jit.export
    def trunk(self, half: torch.Tensor, levels: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                                                     torch.Tensor, torch.Tensor, torch.Tensor]:
        x = half.to(self.stem.weight.dtype)
        # What the denoiser is told (sigma / 255 at 1/8 resolution): its own local map follows
        # signal-dependent noise, but after JPEG it sees little of the noise (sigma 4.8 on McMaster
        # noise 25 -> JPEG 40, where conditioning on 15 denoises best), while the frame's level
        # is the noise before JPEG (25 there). Weights from the levels mix the two.
        own = self.denoiser.estimator(x).to(half.dtype)
        c = self.noise_conditioning
        weights = F.softplus(F.linear(levels.float(), c.weight.float(), c.bias.float())).to(half.dtype)
        level_sigma = (levels[:, 1].to(half.dtype) * self.noise_task_scale).view(-1, 1, 1, 1)
        noise_map = own * weights[:, 0].view(-1, 1, 1, 1) + level_sigma * weights[:, 1].view(-1, 1, 1, 1)
        # The denoiser's residual, not its output: every head blends a share of it into the frame
        # (a float32 denoised frame would be one more pass per head).
        residual = self.denoiser.residual(x, noise_map)
        denoised = x + residual.to(x.dtype)
        # Joined in NHWC order, as channels-last memory stays (a plain channel cat returns NCHW).
        joined = torch.cat([x.permute(0, 2, 3, 1), denoised.permute(0, 2, 3, 1)], dim=3).permute(0, 3, 1, 2)
        f1, f2, f3 = self.conditioning(levels.to(x.dtype))
        x1 = self.enc1(conditioned(self.stem.weight, self.stem.bias, joined, f1, 1, 1))
        x2 = self.enc2(conditioned(self.down1.weight, self.down1.bias, x1, f2, 2, 0))
        x3 = self.bottom(conditioned(self.down2.weight, self.down2.bias, x2, f3, 2, 0))
        return half, residual, noise_map, x1, x2, x3

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
    def head(self, features: Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
             task: torch.Tensor) -> torch.Tensor:
        half, residual, noise_map, x1, x2, x3 = features
        g3, g2, g1 = self.gains(task.to(x3.dtype))
        y3 = x3 * g3  # 1/8 resolution: cheap
        y2 = self.selected(self.dec2.weight, self.dec2.bias, upsample_add(self.up2.weight, self.up2.bias, y3, x2), g2)
        y1 = self.selected(self.dec1.weight, self.dec1.bias, upsample_add(self.up1.weight, self.up1.bias, y2, x1), g1)
        # The share of each cell's noise the task removes (denoise = sigma / 50 to remove, the map
        # sigma / 255 present): denoise=0.3 on sigma-25 noise keeps 40% of it, sigma 10.
        removed = (task[:, 1] * self.noise_task_scale).to(half.dtype).view(-1, 1, 1, 1)
        share = (removed / noise_map.clamp(min=1e-4)).clamp(max=1.0)
        # The map has a value per 4x4 cells: the frame, its residual and the tail's output seen
        # as [N, H/4, 4, W/4, 4, C] (their channels-last memory as it is), and the map as
        # [N, H/4, 1, W/4, 1, 1], broadcast instead of upsampled (an upsampled copy and a
        # product that reads it took twice the time). Two passes over the float32 frame, each
        # reading the bfloat16 operand as it is (a separate conversion would be a pass of its
        # own; bfloat16 arithmetic is slower still).
        n, c, h, w = half.shape
        cells = [n, h // 4, 4, w // 4, 4, c]
        blended = torch.addcmul(half.permute(0, 2, 3, 1).reshape(cells),
                                share.permute(0, 2, 3, 1).reshape(n, h // 4, 1, w // 4, 1, 1),
                                residual.permute(0, 2, 3, 1).reshape(cells))
        blended.add_(self.tail(y1).permute(0, 2, 3, 1).reshape(cells))
        return blended.reshape(n, h, w, c).permute(0, 3, 1, 2)

    def forward(self, half: torch.Tensor, levels: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(half, levels), task)


CONFIGS = {
    # denoiser: the shape of ispdenoise's fast model when the trunk adopted it (phase 6); the
    # trunk keeps those weights, trained further, while ispdenoise's own model has grown since.
    "fast": dict(widths=(24, 48, 96), depths=(2, 3, 6), denoiser=dict(widths=(16, 32, 64), depths=(0, 1, 3))),
}


def build(name: str) -> Restorer:
    return Restorer(**CONFIGS[name])


def macs_per_pixel(model: Restorer) -> Tuple[float, float]:
    """Multiply-accumulates per full-resolution pixel of the trunk and of one head (convolutions)."""
    downscale = {"stem": 4, "enc1": 4, "down1": 16, "enc2": 16, "down2": 64, "bottom": 64,
                 "up2": 64, "dec2": 16, "up1": 16, "dec1": 4, "tail": 4}
    downscale.update({"level_estimator.conv1": 4, "level_estimator.down": 16, "level_estimator.conv2": 16})
    trunk_parts = {"stem", "enc1", "down1", "enc2", "down2", "bottom", "level_estimator"}
    trunk, head = denoise_net.macs_per_pixel(model.denoiser), 0.0
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            top = name.partition(".")[0]
            if top == "denoiser":
                continue
            macs = m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1] / (downscale[name] if name in downscale else downscale[top])
            if top in trunk_parts:
                trunk += macs
            else:
                head += macs
    return trunk, head


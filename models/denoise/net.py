"""Noise-level-conditioned denoiser for CPU inference (ispdenoise).

A three-level U-Net that never runs at full resolution: the frame is pixel-unshuffled by 2
(12 channels at half resolution), joined by the noise-level map, and refined at 1/2, 1/4 and
1/8 resolution where oneDNN convolutions are efficient; the network predicts a residual that
is added to the noisy input. A small estimator branch predicts the local noise level (sigma on
the 0-1 scale) from the frame itself, so the same module runs blind (FFDNet conditioning with a
learned estimate instead of a hand-set map).

Forward contract, shared with lib/src (see models/README.md): the library writes the frame
straight into the pixel-unshuffled layout and reads the result back from it, so no full-resolution
tensor exists in the graph.
    forward(half [N,12,H/2,W/2] float: RGB in 0..1 pixel-unshuffled by 2, H and W multiples of
                 ALIGNMENT, channels-last memory,
            level [N,1,1,1] float: sigma/255 to use, or negative to estimate it,
            strength [N,1,1,1] float: multiplies the level map fed to the denoiser)
      -> (denoised [N,12,H/2,W/2] in the same layout, level_map [N,1,H/8,W/8]: sigma/255
          estimated or given)
The convolutions run in the precision of the weights (the library casts them to bfloat16 where
the CPU computes it natively); the input, the residual addition and the outputs stay float32.
"""
import math
import os
import sys
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from layers import ReLU, conv, conv_stack, relu_, upsample_add  # noqa: E402

ALIGNMENT = 8


class NoiseEstimator(nn.Module):
    """Local noise std (0-1 scale) at 1/8 resolution, from the denoiser's pixel-unshuffled input.
    Two stride-2 convolutions learn the high-pass that separates noise from texture; the
    per-location evidence is averaged over 32x32-pixel blocks so that one textured spot cannot
    dominate the estimate. Working on the half-resolution tensor the denoiser needs anyway costs
    under 1 ms at 640x480; the earlier estimator, a fixed high-pass at full resolution, took 10."""

    def __init__(self, width: int = 24):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(12, width, 3, stride=2, padding=1), ReLU(),
                                  nn.Conv2d(width, width, 3, stride=2, padding=1), ReLU(),
                                  conv(width, 1, k=1))

    def forward(self, half: torch.Tensor) -> torch.Tensor:
        h, w = half.shape[-2] // 4, half.shape[-1] // 4
        evidence = self.body(half)
        pooled = F.avg_pool2d(evidence, kernel_size=4, stride=4, ceil_mode=True)
        dense = F.interpolate(pooled, size=(h, w), mode="bilinear", align_corners=False)
        return F.softplus(dense) * 0.1


class Denoiser(nn.Module):
    def __init__(self, widths: Tuple[int, int, int], depths: Tuple[int, int, int]):
        super().__init__()
        c1, c2, c3 = widths
        d1, d2, d3 = depths
        self.estimator = NoiseEstimator()
        # 12 unshuffled colour channels + the level map repeated 4 times: 16 input channels
        # keep the first convolution on oneDNN's fast path (13 channels ran 2x slower).
        self.head = conv(16, c1)
        self.enc1 = conv_stack(c1, d1)
        self.down1 = nn.Conv2d(c1, c2, 2, stride=2)
        self.enc2 = conv_stack(c2, d2)
        self.down2 = nn.Conv2d(c2, c3, 2, stride=2)
        self.bottom = conv_stack(c3, d3)
        self.up2 = nn.Conv2d(c3, 4 * c2, 1)
        self.dec2 = conv_stack(c2, d2)
        self.up1 = nn.Conv2d(c2, 4 * c1, 1)
        self.dec1 = conv_stack(c1, d1)
        self.tail = conv(c1, 12)
        # Start as the identity: a random residual at init drowned the gradient of the deep
        # path, and training stalled near the noisy input.
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def denoise(self, half: torch.Tensor, x: torch.Tensor, level_map: torch.Tensor) -> torch.Tensor:
        """half: the pixel-unshuffled frame (float32); x: the same in the weights' dtype. Returns
        the denoised frame in the layout and dtype of `half`."""
        return half + self.residual(x, level_map).to(half.dtype)

    def residual(self, x: torch.Tensor, level_map: torch.Tensor) -> torch.Tensor:
        """What denoise() adds to the frame, in the weights' dtype (x: the pixel-unshuffled frame
        in that dtype)."""
        # Nearest upsampling by 4 (the map is at 1/8 of the frame, x at 1/2), and the join done in
        # NHWC order: a plain channel cat returns NCHW memory, which the first convolution then
        # reorders (1.3 ms per 720p frame); interpolate() took 4x longer than repeat_interleave.
        level_half = level_map.to(x.dtype).repeat_interleave(4, dim=2).repeat_interleave(4, dim=3)
        joined = torch.cat([x.permute(0, 2, 3, 1), level_half.permute(0, 2, 3, 1).expand(-1, -1, -1, 4)], dim=3)
        x1 = self.enc1(relu_(self.head(joined.permute(0, 3, 1, 2))))
        x2 = self.enc2(relu_(self.down1(x1)))
        x3 = self.bottom(relu_(self.down2(x2)))
        y2 = self.dec2(upsample_add(self.up2.weight, self.up2.bias, x3, x2))
        y1 = self.dec1(upsample_add(self.up1.weight, self.up1.bias, y2, x1))
        return self.tail(y1)

    def forward(self, half: torch.Tensor, level: torch.Tensor, strength: torch.Tensor):
        n, _, h, w = half.shape
        x = half.to(self.head.weight.dtype)  # converted once, for the estimator and the denoiser
        if bool((level < 0).any()):
            level_map = self.estimator(x).to(half.dtype)
        else:
            level_map = level.expand(n, 1, h // 4, w // 4)
        return self.denoise(half, x, level_map * strength), level_map

    @torch.jit.export
    def estimate(self, half: torch.Tensor) -> torch.Tensor:
        """The local noise map (sigma, 0-1 scale, at 1/8 resolution) forward() estimates."""
        return self.estimator(half.to(self.head.weight.dtype)).to(half.dtype)

    @torch.jit.export
    def denoise_map(self, half: torch.Tensor, level_map: torch.Tensor) -> torch.Tensor:
        """The frame denoised as told by a noise map at 1/8 resolution: temporal denoising tells
        it the noise left in its running average, which varies with the motion in the frame.
        forward(half, -1, strength) is denoise_map(half, estimate(half) * strength)."""
        return self.denoise(half, half.to(self.head.weight.dtype), level_map)


CONFIGS = {
    "fast": dict(widths=(16, 32, 64), depths=(1, 2, 3)),
    "quality": dict(widths=(32, 48, 64), depths=(2, 4, 5)),
}


def build(name: str) -> Denoiser:
    return Denoiser(**CONFIGS[name])


# Full-resolution pixels per output pixel of each part's convolutions (area); the estimator's
# run at 1/4 and 1/8 resolution.
_DOWNSCALE = {"head": 4, "enc1": 4, "dec1": 4, "tail": 4, "up1": 16, "down1": 16,
              "enc2": 16, "dec2": 16, "up2": 64, "down2": 64, "bottom": 64}
_ESTIMATOR_DOWNSCALE = {"body.0": 16, "body.2": 64, "body.4": 64}


def _convolutions(model: Denoiser):
    """(name, convolution, area downscale of its output) for every convolution."""
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            top, _, rest = name.partition(".")
            yield top, m, _ESTIMATOR_DOWNSCALE[rest] if top == "estimator" else _DOWNSCALE[top]


def context_radius(model: Denoiser) -> int:
    """How far (full-resolution pixels) an output pixel sees either side. Every denoiser
    convolution lies on the U-Net's deepest path, and each adds half its kernel, rounded up, in
    pixels of the resolution it reads."""
    return int(sum(math.ceil((m.kernel_size[0] - 1) / 2) * math.sqrt(area) / m.stride[0]
                   for top, m, area in _convolutions(model) if top != "estimator"))


def macs_per_pixel(model: Denoiser) -> float:
    """Multiply-accumulates per full-resolution pixel, convolutions only."""
    return sum(m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1] / area
               for _, m, area in _convolutions(model))

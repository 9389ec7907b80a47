"""Controllable enhancement for ispenhance: image-adaptive ISP parameters for a style.

After the controllable ISP of seed 000 (chapter 3) and DeepISP's global stage (seed 003): a small
network looks at a 64x64 copy of the frame and the style coefficients and predicts the
parameters of explicit ISP operations, which the library applies to every pixel in C++
(neuralisp::ColorTransform, in this order):
  1. white-balance / exposure gains per channel,
  2. a 3x10 matrix on the quadratic terms (r, g, b, r^2, g^2, b^2, rg, rb, gb, 1) of the balanced
     pixel (colour correction, saturation),
  3. clipping to 0..1 and a monotonic tone curve sampled at TONE_SAMPLES points (exposure,
     contrast, black level).
The network's size therefore never touches the frame's cost.

Style coefficients, each in -1..1 (0 = the natural rendering a careful photographer would make):
exposure, contrast, saturation, warmth. What each means is defined by `style.py`, whose
image-adaptive transforms of clean photos are the training targets.
"""
import os
import sys
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from layers import LUMA, ReLU, relu_  # noqa: E402

THUMBNAIL_SIDE = 64
TONE_SAMPLES = 33
COEFFICIENTS = ("exposure", "contrast", "saturation", "warmth")
# Percentiles of each channel and of luminance that the network reads.
QUANTILES = (0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99)


def quadratic_terms(x: torch.Tensor) -> torch.Tensor:
    """[B,3,...] -> [B,10,...]: r, g, b, r^2, g^2, b^2, rg, rb, gb, 1 (ColorTransform's order)."""
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    return torch.stack([r, g, b, r * r, g * g, b * b, r * g, r * b, g * b, torch.ones_like(r)], dim=1)


def tone_curve(x: torch.Tensor, tone: torch.Tensor) -> torch.Tensor:
    """x [B,3,H,W] in 0..1, tone [B,S]: the curve sampled at S evenly spaced inputs, linearly
    interpolated (as ColorTransform applies it)."""
    samples = tone.shape[1]
    position = x.clamp(0, 1) * (samples - 1)
    index = position.floor().clamp(max=samples - 2)
    t = position - index
    index = index.long()
    flat = index.flatten(1)
    lower = torch.gather(tone, 1, flat).view_as(x)
    upper = torch.gather(tone, 1, flat + 1).view_as(x)
    return lower + t * (upper - lower)


def apply_parameters(x: torch.Tensor, gains: torch.Tensor, matrix: torch.Tensor, tone: torch.Tensor) -> torch.Tensor:
    """What neuralisp::apply_color_transform does to every pixel, differentiably: x [B,3,H,W]."""
    balanced = x * gains.view(-1, 3, 1, 1)
    mixed = torch.einsum("bck,bkhw->bchw", matrix, quadratic_terms(balanced))
    return tone_curve(mixed.clamp(0, 1), tone)


class FloatMLP(nn.Module):
    """Linear-ReLU-Linear-ReLU-Linear, computed in float32 whatever the module's dtype: the library
    casts weights to bfloat16, and the parameters must be exact enough to smooth over frames. The
    last layer starts at zero."""

    def __init__(self, inputs: int, hidden: int, outputs: int):
        super().__init__()
        self.first = nn.Linear(inputs, hidden)
        self.middle = nn.Linear(hidden, hidden)
        self.last = nn.Linear(hidden, outputs)
        nn.init.zeros_(self.last.weight)
        nn.init.zeros_(self.last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = relu_(F.linear(x, self.first.weight.float(), self.first.bias.float()))
        h = relu_(F.linear(h, self.middle.weight.float(), self.middle.bias.float()))
        return F.linear(h, self.last.weight.float(), self.last.bias.float())


class Enhancer(nn.Module):
    def __init__(self, width: int = 24, hidden: int = 128):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), ReLU(),
            nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1), ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), ReLU())
        # Pooled features, the statistics a photographer reads off a histogram (per channel: mean,
        # spread and percentiles; luminance percentiles; mean chroma) and the style: the style
        # enters the MLP, so that one network serves every point between the presets. The
        # statistics carry most of what exposure and white balance need, and unlike the learned
        # features they do not depend on the content of the few training photos (dropout keeps
        # the MLP from leaning on the features alone).
        stats = 3 * (2 + len(QUANTILES)) + len(QUANTILES) + 1
        self.dropout = nn.Dropout(0.5)
        described = 8 * width + stats
        self.mlp = FloatMLP(described + len(COEFFICIENTS), hidden, 3 + 30 + TONE_SAMPLES)
        # The second look: the same description of the thumbnail as the first estimate renders
        # it, beside the first; it corrects the first estimate (a camera's auto exposure and
        # white balance converge the same way, by looking at their own result).
        self.refine = FloatMLP(2 * described + len(COEFFICIENTS), hidden, 3 + 30 + TONE_SAMPLES)
        identity = torch.zeros(3, 10)
        identity[:, :3] = torch.eye(3)
        self.register_buffer("identity_matrix", identity)
        self.register_buffer("luma", torch.tensor(LUMA).view(1, 3, 1, 1))
        # Increments of the tone curve start equal (the identity curve) through a softplus.
        self.increment_bias = float(torch.log(torch.expm1(torch.tensor(1.0 / (TONE_SAMPLES - 1)))))
        self.thumbnail_side = THUMBNAIL_SIDE
        self.quantiles = list(QUANTILES)

    def describe(self, x: torch.Tensor) -> torch.Tensor:
        """What the network reads off a thumbnail x [B,3,h,w] in 0..1: pooled learned features
        (with dropout) and histogram statistics."""
        f = self.features(x.to(self.features[0].weight.dtype)).float()
        luminance = (x * self.luma.float()).sum(dim=1, keepdim=True)
        channels = torch.cat([x, luminance], dim=1).flatten(2)
        ranked = channels.sort(dim=2).values
        n = ranked.shape[2]
        quantiles = torch.stack([ranked[:, :, int(q * (n - 1))] for q in self.quantiles], dim=2).flatten(1)
        chroma = (x.amax(dim=1) - x.amin(dim=1)).mean(dim=(1, 2)).unsqueeze(1)
        return torch.cat([self.dropout(torch.cat([f.mean(dim=(2, 3)), f.std(dim=(2, 3), unbiased=False)], dim=1)),
                          x.mean(dim=(2, 3)), x.std(dim=(2, 3), unbiased=False), quantiles, chroma], dim=1)

    def parameters_from(self, out: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        gains = out[:, :3].exp()
        matrix = self.identity_matrix.float() + 0.1 * out[:, 3:33].view(-1, 3, 10)
        increments = F.softplus(out[:, 34:] + self.increment_bias)
        black = 0.1 * out[:, 33:34]
        tone = torch.cat([black, black + increments.cumsum(dim=1)], dim=1)
        return gains, matrix, tone

    @torch.jit.export
    def estimate(self, image: torch.Tensor, style: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """image: the thumbnail [B,3,64,64] in 0..1 (sRGB); style [B,4] -> gains [B,3], matrix
        [B,3,10], tone [B,TONE_SAMPLES]."""
        x = image.float().clamp(0, 1)
        style = style.float()
        description = self.describe(x)
        first = self.mlp(torch.cat([description, style], dim=1))
        gains, matrix, tone = self.parameters_from(first)
        preview = apply_parameters(x, gains, matrix, tone).clamp(0, 1)
        second = self.refine(torch.cat([description, self.describe(preview), style], dim=1))
        gains, matrix, tone = self.parameters_from(first + second)
        # Desaturation is explicit, so that saturation -1 (mono) is exactly grey: the matrix's
        # rows are pulled toward its luminance row by -s (equal rows stay equal through the tone
        # curve). The network answers for everything else.
        pull = (-style[:, 2]).clamp(0, 1).view(-1, 1, 1)
        luminance_row = torch.matmul(self.luma.float().view(1, 1, 3), matrix)
        return gains, (1 - pull) * matrix + pull * luminance_row, tone

    def forward(self, image: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """The frame enhanced at full resolution (training): parameters from its area-averaged
        thumbnail, as the library resamples it."""
        thumbnail = F.adaptive_avg_pool2d(image, [self.thumbnail_side, self.thumbnail_side])
        gains, matrix, tone = self.estimate(thumbnail, style)
        return apply_parameters(image, gains, matrix, tone)


CONFIGS = {
    "fast": dict(width=24, hidden=128),
}


def build(name: str) -> Enhancer:
    return Enhancer(**CONFIGS[name])

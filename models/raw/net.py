"""The Bayer path's networks: a neural ISP (ispraw2rgb, after DeepISP) and a reverse ISP
(isprgb2raw, after RST-ISP-Net and unprocessing).

Renderer (task raw2rgb), two methods that libneuralisp runs (see export.py):
- demosaic(mosaic) -> linear: the low-level stage. The RGGB mosaic pixel-unshuffled by 2 (4
  channels at half resolution, black 0, white 1; the library mirrors other patterns into RGGB)
  becomes linear camera RGB pixel-unshuffled by 2 (12 channels): demosaicked and denoised. A
  learned linear demosaic (a 3x3 convolution at half resolution, which covers every 5x5
  full-resolution kernel such as Malvar-He-Cutler's; initialised to bilinear) plus a U-Net
  residual, so that training starts at a working demosaic.
- color(thumbnail) -> gains[3], matrix[3x10]: the high-level stage. A 64x64 copy of the mosaic
  (R, mean G, B) is pooled into global features that predict white-balance gains and DeepISP's
  quadratic colour transform. The library applies them per pixel with the tone curve
  (neuralisp::ColorTransform): gains, matrix on (r, g, b, r^2, g^2, b^2, rg, rb, gb, 1), clip,
  x^(1/2.2), smoothstep.

Unprocessor (task rgb2raw): unprocess(image, gains, matrix) -> linear camera RGB, both
pixel-unshuffled by 2. The inverse steps that are known stay explicit (inverse smoothstep,
gamma 2.2, inverse colour matrix, inverse gains: unprocessing, Brooks et al. 2019); a small
network first corrects the sRGB for what they cannot invert (8-bit quantisation, clipped
highlights, compression), and the library samples the mosaic for the output's pattern.
"""
import os
import sys
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from layers import ReLU, conv, conv_stack, relu_, upsample_add  # noqa: E402

ALIGNMENT = 8
THUMBNAIL = 64
# The camera isprgb2raw makes RAW for unless told otherwise: daylight white balance and a colour
# matrix of the kind the training cameras have (models/denoise/synth.py: strong diagonal, about
# 17% cross-talk per channel), from balanced camera RGB to linear sRGB.
DEFAULT_GAINS = (2.0, 1.0, 1.7)
DEFAULT_RGB_TO_CAM = ((0.80, 0.10, 0.10), (0.09, 0.82, 0.09), (0.10, 0.10, 0.80))


def default_matrix() -> torch.Tensor:
    return torch.linalg.inv(torch.tensor(DEFAULT_RGB_TO_CAM))


def bilinear_demosaic_weight() -> torch.Tensor:
    """The bilinear demosaic of an RGGB mosaic as a 3x3 convolution from the 4 unshuffled mosaic
    channels to the 12 unshuffled RGB channels, found by demosaicking impulses."""
    weight = torch.zeros(12, 4, 3, 3)
    g = torch.tensor([[0, 1, 0], [1, 4, 1], [0, 1, 0]], dtype=torch.float32) / 4
    rb = torch.tensor([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=torch.float32) / 4
    kernels = torch.stack([rb, g, rb]).unsqueeze(1)
    colour_of_site = (0, 1, 1, 2)  # R, G1, G2, B
    for k in range(4):
        for i in range(3):
            for j in range(3):
                packed = torch.zeros(1, 4, 5, 5)
                packed[0, k, 1 + i, 1 + j] = 1.0
                mosaic = F.pixel_shuffle(packed, 2)  # [1, 1, 10, 10]
                planes = torch.zeros(1, 3, 10, 10)
                site = colour_of_site[k]
                planes[:, site] = mosaic[:, 0]
                rgb = F.conv2d(planes, kernels, padding=1, groups=3)
                # The output cell at the centre; PyTorch's convolution is a correlation, so
                # the impulse at offset (i - 1, j - 1) from it is the tap (i, j).
                weight[:, k, i, j] = F.pixel_unshuffle(rgb, 2)[0, :, 2, 2]
    return weight


class Demosaic(nn.Module):
    def __init__(self, widths: Tuple[int, int, int], depths: Tuple[int, int, int]):
        super().__init__()
        c1, c2, c3 = widths
        d1, d2, d3 = depths
        self.base = nn.Conv2d(4, 12, 3, padding=1, bias=False)
        with torch.no_grad():
            self.base.weight.copy_(bilinear_demosaic_weight())
        self.head = conv(4, c1)
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
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, mosaic: torch.Tensor) -> torch.Tensor:
        x = mosaic.to(self.head.weight.dtype)
        x1 = self.enc1(relu_(self.head(x)))
        x2 = self.enc2(relu_(self.down1(x1)))
        x3 = self.bottom(relu_(self.down2(x2)))
        y2 = self.dec2(upsample_add(self.up2.weight, self.up2.bias, x3, x2))
        y1 = self.dec1(upsample_add(self.up1.weight, self.up1.bias, y2, x1))
        # The linear demosaic in float32: it carries the image, the network only its correction.
        base = F.conv2d(mosaic, self.base.weight.float(), padding=1)
        return base + self.tail(y1).float()


class ColorEstimator(nn.Module):
    """Global white balance and colour transform from a small copy of the frame."""

    def __init__(self, width: int = 32, hidden: int = 64):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, stride=2, padding=1), ReLU(),
            nn.Conv2d(width, width, 3, stride=2, padding=1), ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), ReLU(),
            nn.Conv2d(2 * width, 2 * width, 3, stride=2, padding=1), ReLU())
        # Pooled features plus the thumbnail's mean and 98th-percentile-like maximum per channel
        # (grey world and white patch, the classical estimates, given to the network directly).
        self.mlp = nn.Sequential(nn.Linear(4 * width + 6, hidden), ReLU(), nn.Linear(hidden, 33))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)
        self.register_buffer("base_gains", torch.tensor(DEFAULT_GAINS).log())
        base = torch.zeros(3, 10)
        base[:, :3] = default_matrix()
        self.register_buffer("base_matrix", base)

    def forward(self, thumbnail: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = thumbnail.float().clamp(0, 1)
        encoded = (x + 1e-3) ** (1 / 2.2)  # the network sees a perceptual scale
        f = self.features(encoded.to(self.features[0].weight.dtype)).float()
        pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3)),
                            x.mean(dim=(2, 3)), x.flatten(2).amax(dim=2)], dim=1)
        out = self.mlp(pooled.to(self.mlp[0].weight.dtype)).float()
        gains = (self.base_gains + out[:, :3]).exp()
        matrix = self.base_matrix + 0.1 * out[:, 3:].view(-1, 3, 10)
        return gains, matrix


class Renderer(nn.Module):
    def __init__(self, widths: Tuple[int, int, int], depths: Tuple[int, int, int]):
        super().__init__()
        self.low = Demosaic(widths, depths)
        self.high = ColorEstimator()

    @torch.jit.export
    def demosaic(self, mosaic: torch.Tensor) -> torch.Tensor:
        return self.low(mosaic)

    @torch.jit.export
    def color(self, thumbnail: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.high(thumbnail)

    def forward(self, mosaic: torch.Tensor) -> torch.Tensor:
        return self.low(mosaic)


def tone(x: torch.Tensor) -> torch.Tensor:
    """The library's tone curve (neuralisp::camera_tone_curve): x^(1/2.2), then smoothstep."""
    y = x.clamp(0, 1).clamp_min(1e-8) ** (1 / 2.2)
    return 3 * y * y - 2 * y * y * y


def inverse_smoothstep(y: torch.Tensor) -> torch.Tensor:
    return 0.5 - torch.sin(torch.asin(1.0 - 2.0 * y) / 3.0)


def inverse_tone(y: torch.Tensor) -> torch.Tensor:
    """The inverse of tone(). Its value is exact up to 0 and 1; its gradient is taken a hair inside,
    where asin's slope is finite (at the ends it is infinite, and training would get NaN)."""
    y = y.clamp(0.0, 1.0)
    inside = inverse_smoothstep(y.clamp(1e-6, 1.0 - 1e-6))
    x = inside + (inverse_smoothstep(y.detach()) - inside).detach()
    return x.clamp_min(1e-8) ** 2.2


def apply_color(linear: torch.Tensor, gains: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """What neuralisp::apply_color_transform does, on [N,3,H,W] (before the tone curve)."""
    b = linear * gains.view(-1, 3, 1, 1)
    r_, g_, b_ = b[:, 0:1], b[:, 1:2], b[:, 2:3]
    terms = torch.cat([r_, g_, b_, r_ * r_, g_ * g_, b_ * b_, r_ * g_, r_ * b_, g_ * b_, torch.ones_like(r_)], dim=1)
    return torch.einsum("nij,njhw->nihw", matrix, terms).clamp(0, 1)


class Unprocessor(nn.Module):
    def __init__(self, width: int = 24):
        super().__init__()
        self.correct = nn.Sequential(conv(12, width), ReLU(), conv(width, width),
                                     ReLU(), conv(width, 12))
        nn.init.zeros_(self.correct[4].weight)
        nn.init.zeros_(self.correct[4].bias)

    @torch.jit.export
    def unprocess(self, half: torch.Tensor, gains: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
        corrected = half + self.correct(half.to(self.correct[0].weight.dtype)).float()
        n, _, h, w = half.shape
        rgb = corrected.view(n, 3, 4, h, w)
        linear = inverse_tone(rgb)
        rgb_to_cam = torch.linalg.inv(matrix.float().view(-1, 3, 3))
        cam = torch.einsum("nij,njkhw->nikhw", rgb_to_cam, linear)
        raw = cam / gains.float().view(-1, 3, 1, 1, 1)
        return raw.clamp(0, 1).reshape(n, 12, h, w)

    def forward(self, half: torch.Tensor, gains: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
        return self.unprocess(half, gains, matrix)


CONFIGS = {
    "fast": dict(widths=(32, 48, 96), depths=(3, 2, 2)),
}


def build(name: str) -> Renderer:
    return Renderer(**CONFIGS[name])


def macs_per_pixel(model: nn.Module) -> float:
    """Multiply-accumulates per full-resolution pixel of a Demosaic (convolutions only)."""
    downscale = {"base": 4, "head": 4, "enc1": 4, "dec1": 4, "tail": 4, "up1": 16, "down1": 16,
                 "enc2": 16, "dec2": 16, "up2": 64, "down2": 64, "bottom": 64}
    total = 0.0
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            top = name.split(".")[0]
            total += m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1] / downscale[top]
    return total

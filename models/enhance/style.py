"""What ispenhance's styles mean, and the mis-rendered photos it learns to correct.

No expert-retouched dataset exists here, so both sides of a training pair are synthesised from a
clean photo (assumed well rendered):
- the input: the photo mis-rendered at random, as a poor camera or a bad light would (exposure
  +-2 EV and white balance off in linear light, a flat or harsh tone curve, faded colour);
- the target: the clean photo moved by the style's coefficients through image-adaptive
  transforms, so that a style corrects toward a look and not by a fixed amount: `saturation`
  lifts a dull scene more than a colourful one, `exposure` raises a dark scene's mean luminance
  toward a bright key but leaves a scene already that bright alone, `contrast` bends the tone
  around the image's own mean.
Coefficients are in -1..1 and 0 everywhere is the clean photo itself (auto correction).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from layers import luminance  # noqa: E402

PRESETS = {
    # name: (exposure, contrast, saturation, warmth)
    "natural": (0.0, 0.0, 0.0, 0.0),
    "vivid": (0.1, 0.35, 0.7, 0.0),
    "warm": (0.0, 0.0, 0.1, 0.6),
    "cool": (0.0, 0.0, 0.0, -0.6),
    "low-light": (0.8, -0.1, 0.2, 0.0),
    "film": (0.0, -0.35, -0.35, 0.3),
    "mono": (0.0, 0.2, -1.0, 0.0),
}

BRIGHT_KEY = 0.62   # mean luminance `exposure` = 1 lifts a dark scene to
DARK_KEY = 0.18     # and `exposure` = -1 lowers a bright one to
COLOURFUL = 0.35    # mean chroma (max - min) above which `saturation` adds nothing
MAX_WARMTH = 0.18   # red and blue gain change at warmth +-1


def srgb_to_linear(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(0, 1)
    return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(0, 1)
    return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp_min(1e-8) ** (1 / 2.4) - 0.055)


def pivot_contrast(x: torch.Tensor, pivot: torch.Tensor, power: torch.Tensor) -> torch.Tensor:
    """A monotonic curve through (0,0), (pivot,pivot) and (1,1) with slope power at the ends
    bent around the pivot: power > 1 raises contrast, < 1 flattens. Per sample [B,1,1,1]."""
    x = x.clamp(0, 1)
    low = pivot * (x / pivot).clamp_min(1e-8) ** power
    high = 1 - (1 - pivot) * ((1 - x) / (1 - pivot)).clamp_min(1e-8) ** power
    return torch.where(x < pivot, low, high)


def apply_style(clean: torch.Tensor, coefficients: torch.Tensor) -> torch.Tensor:
    """clean [B,3,H,W] sRGB 0..1, coefficients [B,4] -> the styled target."""
    view = lambda v: v.view(-1, 1, 1, 1)  # noqa: E731
    exposure, contrast, saturation, warmth = (coefficients[:, i] for i in range(4))
    x = clean.clamp(0, 1)
    # Exposure: a power curve that moves the mean luminance toward a key, adaptively.
    mean = luminance(x).mean(dim=(1, 2, 3)).clamp(0.02, 0.98)
    key = torch.where(exposure > 0, mean + exposure * (BRIGHT_KEY - mean).clamp_min(0),
                      mean + exposure * (mean - DARK_KEY).clamp_min(0))
    gamma = torch.log(key.clamp(0.02, 0.98)) / torch.log(mean)
    x = x.clamp_min(1e-6) ** view(gamma)
    # Contrast around the image's own mean luminance.
    pivot = luminance(x).mean(dim=(1, 2, 3)).clamp(0.15, 0.85)
    x = pivot_contrast(x, view(pivot), view(torch.pow(2.0, contrast)))
    # Saturation: chroma scaled about luminance; the lift fades out for colourful scenes.
    y = luminance(x)
    chroma = (x.amax(dim=1) - x.amin(dim=1)).mean(dim=(1, 2))
    headroom = (1 - chroma / COLOURFUL).clamp(0, 1)
    factor = torch.where(saturation > 0, 1 + saturation * headroom, 1 + saturation)
    x = y + (x - y) * view(factor)
    # Warmth: red up, blue down (or the reverse), luminance kept.
    gains = torch.stack([1 + MAX_WARMTH * warmth, torch.ones_like(warmth), 1 - MAX_WARMTH * warmth], dim=1)
    warmed = x * gains.view(-1, 3, 1, 1)
    x = warmed * (luminance(x) / luminance(warmed).clamp_min(1e-4))
    return x.clamp(0, 1)


def rekey(clean: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Well-rendered photos vary in key, and bright ones clip their highlights: half of the clean
    photos re-exposed by -0.5..+1 EV in linear light and clipped, as more targets a correction
    may aim at: about 0.25 dB on the benchmark (models/enhance/README.md, run 11 against run 8)."""
    b = clean.shape[0]
    ev = -0.5 + 1.5 * torch.rand(b, generator=gen)
    ev = torch.where(torch.rand(b, generator=gen) < 0.5, ev, torch.zeros_like(ev))
    return linear_to_srgb(srgb_to_linear(clean) * torch.pow(2.0, ev).view(-1, 1, 1, 1))


def misrender(clean: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """The clean photo as a poor camera renders it: exposure +-2 EV and a white balance off in
    linear light (clipped like a sensor), then a flat or harsh tone and faded colour."""
    b = clean.shape[0]
    uniform = lambda low, high: low + (high - low) * torch.rand(b, generator=gen)  # noqa: E731
    view = lambda v: v.view(-1, 1, 1, 1)  # noqa: E731
    linear = srgb_to_linear(clean)
    ev = uniform(-2.0, 2.0)
    cast = torch.stack([uniform(-0.45, 0.45), torch.zeros(b), uniform(-0.45, 0.45)], dim=1).exp()
    linear = linear * view(torch.pow(2.0, ev)) * cast.view(-1, 3, 1, 1)
    x = linear_to_srgb(linear)
    pivot = luminance(x).mean(dim=(1, 2, 3)).clamp(0.15, 0.85)
    x = pivot_contrast(x, view(pivot), view(torch.pow(2.0, uniform(-1.0, 0.6))))
    y = luminance(x)
    x = y + (x - y) * view(uniform(0.45, 1.15))
    lift = uniform(0.0, 0.08) * (torch.rand(b, generator=gen) < 0.3).float()  # a veiled, flat look
    x = view(lift) + (1 - view(lift)) * x
    return x.clamp(0, 1)

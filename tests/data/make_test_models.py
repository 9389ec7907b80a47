#!/usr/bin/python3
"""Writes the small, deliberately broken models the tests load (committed next to this script).

    /usr/bin/python3 tests/data/make_test_models.py
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "denoise"))
from export import metadata  # noqa: E402


class HalfSizeOutput(nn.Module):
    """Declares itself a denoiser but returns a half-size image."""

    def forward(self, image: torch.Tensor, level: torch.Tensor, strength: torch.Tensor):
        n, _, h, w = image.shape
        return F.avg_pool2d(image, 2), torch.zeros(n, 1, h // 8, w // 8)


class Identity(nn.Module):
    def forward(self, image: torch.Tensor, level: torch.Tensor, strength: torch.Tensor):
        n, _, h, w = image.shape
        return image, torch.zeros(n, 1, h // 8, w // 8)


torch.jit.save(torch.jit.script(HalfSizeOutput()), os.path.join(HERE, "wrong-shape.pt"),
               _extra_files={"neuralisp.meta": metadata("wrong-shape")})
torch.jit.save(torch.jit.script(Identity()), os.path.join(HERE, "no-metadata.pt"))
torch.jit.save(torch.jit.script(Identity()), os.path.join(HERE, "identity.pt"),
               _extra_files={"neuralisp.meta": metadata("identity")})

#!/usr/bin/python3
"""Trains the ispenhance network on synthesised pairs (style.py): a clean photo mis-rendered at
random is the input (for a share, the photo itself), the same photo moved by a style's
image-adaptive transforms the target, and the network, told the style's coefficients, predicts
the ISP parameters that turn the one into the other. Only its 64x64 view of the input reaches
the network; the loss is on the crop with the parameters applied, as the library applies them.

Styles drawn per sample: the presets (half of the time, `natural` among them, which is the plain
auto correction), else random coefficients, each zero with probability 0.4, so that the network
also learns the points between the presets that a slider passes through.

Validation: every image of ../shared/datasets/val mis-rendered with seeded draws; PSNR of the
input and of the `natural` output against the clean image, and the mean L1 to each preset's
target. Resumes from its checkpoint; the log is JSON lines on stdout.

    /usr/bin/python3 models/enhance/train.py --model fast --minutes 30 --out /tmp/train/enhance
"""
import argparse
import glob
import math
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import net  # noqa: E402
import style  # noqa: E402
import training  # noqa: E402
from export import export  # noqa: E402
from photos import load_images, load_photos  # noqa: E402


def random_crops(images, batch, crop, rng):
    """Crops covering 40-100% of a photo's short side, resized to crop, flipped; colours kept
    (unlike the restoration tasks' channel permutation: a colour cast is what this task reads)."""
    out = np.empty((batch, crop, crop, 3), np.float32)
    for i in range(batch):
        img = images[rng.integers(len(images))]
        h, w = img.shape[:2]
        side = int(min(h, w) * rng.uniform(0.4, 1.0))
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        patch = cv2.resize(img[y:y + side, x:x + side], (crop, crop), interpolation=cv2.INTER_AREA)
        if rng.integers(2):
            patch = patch[:, ::-1]
        out[i] = patch / 255.0
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


PRESET_TABLE = torch.tensor(list(style.PRESETS.values()))


def sample_coefficients(batch: int, gen: torch.Generator) -> torch.Tensor:
    presets = PRESET_TABLE[torch.randint(len(PRESET_TABLE), (batch,), generator=gen)]
    free = (torch.rand(batch, 4, generator=gen) * 2 - 1) * (torch.rand(batch, 4, generator=gen) >= 0.4).float()
    use_preset = (torch.rand(batch, 1, generator=gen) < 0.5).float()
    return use_preset * presets + (1 - use_preset) * free


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return 10 * math.log10(1.0 / max(float(((a - b) ** 2).mean()), 1e-12))


def validation_images(data: str):
    images = []
    for folder in sorted(glob.glob(os.path.join(data, "val", "*"))):
        for img in load_images(folder):
            scale = 512 / max(img.shape[:2])
            if scale < 1:
                img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            images.append(torch.from_numpy(img.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0))
    return images


@torch.inference_mode()
def validate(model, images):
    model.eval()
    inputs, outputs = [], []
    preset_l1 = {name: [] for name in style.PRESETS}
    for index, clean in enumerate(images):
        degraded = style.misrender(clean, torch.Generator().manual_seed(index))
        for name, coefficients in style.PRESETS.items():
            c = torch.tensor([coefficients])
            enhanced = model(degraded, c).clamp(0, 1)
            preset_l1[name].append(float((enhanced - style.apply_style(clean, c)).abs().mean()))
            if name == "natural":
                inputs.append(psnr(degraded, clean))
                outputs.append(psnr(enhanced, clean))
    model.train()
    return dict(input_psnr=round(float(np.mean(inputs)), 3), natural_psnr=round(float(np.mean(outputs)), 3),
                preset_l1={k: round(float(np.mean(v)), 4) for k, v in preset_l1.items()})


def main():
    parser = argparse.ArgumentParser()
    training.add_common_arguments(parser, net.CONFIGS, crop=128, lr=1e-3)
    parser.add_argument("--weight-decay", type=float, default=1e-3, help="AdamW's: the photos are few")
    parser.add_argument("--clean-input-share", type=float, default=0.1,
                        help="share of inputs that are the clean photo itself, not a mis-rendering")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train_images = load_images(os.path.join(args.data, "train", "urban100")) + load_photos(args.photos)
    val_images = validation_images(args.data)
    print(f"{len(train_images)} training images, {len(val_images)} validation images", flush=True)

    model = net.build(args.model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    run = training.Run(args, model, optimizer, net.CONFIGS[args.model],
                       lambda: export(model, args.model, os.path.join(args.out, f"enhance-{args.model}.pt")))
    rng = np.random.default_rng(args.seed + run.step)
    gen = torch.Generator().manual_seed(args.seed + run.step)
    running = []
    model.train()
    while True:
        run.begin_step()
        clean = random_crops(train_images, args.batch, args.crop, rng)
        coefficients = sample_coefficients(args.batch, gen)
        clean = style.rekey(clean, gen)
        degraded = style.misrender(clean, gen)
        # A share of the inputs are the clean photo itself: most frames a camera gives are rendered
        # well enough, and the natural style must leave those alone (runs 15-17 of the card).
        unchanged = torch.rand(args.batch, 1, 1, 1, generator=gen) < args.clean_input_share
        degraded = torch.where(unchanged, clean, degraded)
        target = style.apply_style(clean, coefficients)
        loss = F.l1_loss(model(degraded, coefficients).clamp(0, 1), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append(float(loss))
        if run.end_step():
            record = dict(l1=float(np.mean(running)), val=validate(model, val_images))
            running = []
            if run.checkpoint(record):
                break


if __name__ == "__main__":
    main()

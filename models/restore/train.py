#!/usr/bin/python3
"""Trains the isprestore network on relative ground truth (TASNet's sampling, seed 000 ch. 2).

For each crop, input levels l_in (blur, noise, JPEG in [0, 1]) are drawn, and target levels
l_gt between 0 and l_in: the input is the clean crop degraded to l_in, the target the same crop
degraded to l_gt (same noise realisation, scaled), and the network, told t = l_in - l_gt, learns
to remove exactly that much. Degradations run in the camera's order: blur, noise, 8-bit
quantisation, JPEG. Every step also teaches the level estimator the input's levels.

Every --blind-every-th step trains the blind mode (the estimate as the task, the clean crop as
the target) on three views of each crop: the task-scale degradations, a camera's (blur, shot and
read noise in RAW through a demosaicking ISP, JPEG) and the clean crop itself. DiR's idea (seed
002) in the form this residual network allows: differently degraded views of one image must map
to one clean image.

Validation on McMaster (seeded per image): blur sigma 2, noise sigma 25, JPEG quality 20 and the
chain blur 2 -> noise 25 -> JPEG 40, each with the exact task vector against the clean image,
and the chain restored blind. Resumes from its checkpoint; the log is JSON lines on stdout.

    /usr/bin/python3 models/restore/train.py --model fast --minutes 120 --out /tmp/train/restore
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(HERE, "..", "denoise"))  # last: its net and export must not shadow ours
import net  # noqa: E402
import synth  # noqa: E402  (the denoiser's degradation synthesis: blur, JPEG, quantisation)
from export import export  # noqa: E402
import training  # noqa: E402
from photos import load_images, load_photos, random_batch  # noqa: E402


def jpeg_quality(level: float) -> int:
    """Task-vector scale: level = (100 - quality) / 90; 0 = no JPEG."""
    return int(round(100 - 90 * level)) if level > 0 else 0


def degrade(clean: torch.Tensor, levels: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """clean [B,3,H,W] 0..1, levels [B,3], noise [B,3,H,W] standard normal (shared realisation)."""
    out = torch.empty_like(clean)
    for i in range(clean.shape[0]):
        x = synth.gaussian_blur(clean[i:i + 1], float(levels[i, 0]) * net.MAX_BLUR_SIGMA)
        out[i:i + 1] = x + noise[i:i + 1] * (float(levels[i, 1]) * net.MAX_NOISE_SIGMA / 255.0)
    out = synth.quantize(out)
    return synth.jpeg_round_trip(out, [jpeg_quality(float(l)) for l in levels[:, 2]])


def sample_levels(batch: int, gen: torch.Generator, zero_probability: float):
    """l_in per component: 0 with some probability, else uniform; l_gt = l_in * u with u = 0
    (restore fully) half of the time, else uniform (restore partly)."""
    l_in = torch.rand(batch, 3, generator=gen)
    l_in = l_in * (torch.rand(batch, 3, generator=gen) >= zero_probability).float()
    u = torch.rand(batch, 3, generator=gen) * (torch.rand(batch, 3, generator=gen) >= 0.5).float()
    l_gt = l_in * u
    return l_in, l_gt


def camera_degrade(clean: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """What an unknown camera delivers: a little blur, shot and read noise through a demosaicking
    ISP (the denoiser's NERDS synthesis, sometimes with its JPEG), and a JPEG round trip."""
    levels = torch.rand(clean.shape[0], 3, generator=gen)
    levels = levels * (torch.rand(clean.shape[0], 3, generator=gen) >= 0.4).float()
    levels[:, 1] = 0.0  # the noise comes from the camera synthesis
    blurred = degrade(clean, levels * torch.tensor([0.5, 0.0, 0.0]), torch.zeros_like(clean))
    noisy, _ = synth.camera_noise(blurred, gen, max_shot=0.03, jpeg_probability=0.2, correlated_probability=0.3,
                                  chroma_suppressed_probability=0.5)
    return synth.jpeg_round_trip(noisy, [jpeg_quality(float(l)) for l in levels[:, 2] * 0.7])


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = float(((a - b) ** 2).mean())
    return 10 * math.log10(1.0 / max(mse, 1e-12))


VALIDATION = {
    "blur2": (0.5, 0.0, 0.0),
    "noise25": (0.0, 0.5, 0.0),
    "jpeg20": (0.0, 0.0, 80 / 90),
    "chain": (0.5, 0.5, 60 / 90),
}
BLIND_VALIDATION = "chain"


def aligned(img: np.ndarray) -> torch.Tensor:
    clean = torch.from_numpy(img.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    h, w = clean.shape[-2:]
    return clean[..., : h // net.ALIGNMENT * net.ALIGNMENT, : w // net.ALIGNMENT * net.ALIGNMENT]


@torch.inference_mode()
def validate(model, images):
    model.eval()
    scores = {}
    for name, levels in VALIDATION.items():
        inputs, outputs = [], []
        for index, img in enumerate(images):
            clean = aligned(img)
            gen = torch.Generator().manual_seed(index)
            noise = torch.randn(clean.shape, generator=gen)
            level = torch.tensor([levels])
            degraded = degrade(clean, level, noise)
            restored = F.pixel_shuffle(model(F.pixel_unshuffle(degraded, 2), level), 2)
            inputs.append(psnr(degraded, clean))
            outputs.append(psnr(synth.quantize(restored.clamp(0, 1)), clean))
        scores[name] = (round(float(np.mean(inputs)), 3), round(float(np.mean(outputs)), 3))
    blind, errors = [], []
    for index, img in enumerate(images):
        clean = aligned(img)
        gen = torch.Generator().manual_seed(index)
        level = torch.tensor([VALIDATION[BLIND_VALIDATION]])
        degraded = degrade(clean, level, torch.randn(clean.shape, generator=gen))
        features = model.trunk(F.pixel_unshuffle(degraded, 2))
        estimate = model.estimate(features)
        restored = F.pixel_shuffle(model.head(features, estimate), 2)
        blind.append(psnr(synth.quantize(restored.clamp(0, 1)), clean))
        errors.append((estimate - level).abs().mean().item())
    scores["blind-" + BLIND_VALIDATION] = round(float(np.mean(blind)), 3)
    scores["level-error"] = round(float(np.mean(errors)), 4)
    model.train()
    return scores


def network_precision(args):
    """bfloat16 autocast for the network (--bf16); the data synthesis stays float32."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16)


def task_loss(model, clean, gen, args):
    """Relative ground truth with the given task, and the estimator on the input's levels."""
    l_in, l_gt = sample_levels(clean.shape[0], gen, args.zero_probability)
    noise = torch.randn(clean.shape, generator=gen)
    degraded = degrade(clean, l_in, noise)
    target = degrade(clean, l_gt, noise)
    with network_precision(args):
        features = model.trunk(F.pixel_unshuffle(degraded, 2))
        restored = model.head(features, l_in - l_gt)
        estimate = model.estimate(features)
    return (F.l1_loss(restored.float(), F.pixel_unshuffle(target, 2)) +
            args.estimator_weight * F.l1_loss(estimate, l_in))


def blind_loss(model, clean, gen, args):
    """The blind mode on a task-scale view, a camera view and the clean crop itself: each restored
    with its estimated task to the clean crop, and the estimator on the task-scale view."""
    n = clean.shape[0]
    l_in = sample_levels(n, gen, args.zero_probability)[0]
    views = torch.cat([degrade(clean, l_in, torch.randn(clean.shape, generator=gen)),
                       camera_degrade(clean, gen), clean])
    with network_precision(args):
        features = model.trunk(F.pixel_unshuffle(views, 2))
        estimate = model.estimate(features)
        restored = model.head(features, estimate)
    target = F.pixel_unshuffle(clean, 2).repeat(3, 1, 1, 1)
    return F.l1_loss(restored.float(), target) + args.estimator_weight * F.l1_loss(estimate[:n], l_in)


def main():
    parser = argparse.ArgumentParser()
    training.add_common_arguments(parser, net.CONFIGS, crop=128, lr=1e-3)
    parser.add_argument("--zero-probability", type=float, default=0.3,
                        help="chance that a degradation is absent from a sample's input")
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the forward and backward pass")
    parser.add_argument("--blind-every", type=int, default=3, help="every n-th step trains the blind mode (0: none)")
    parser.add_argument("--estimator-weight", type=float, default=0.1)
    parser.add_argument("--init-denoiser", help="an ispdenoise quality checkpoint to start from (fresh runs)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train_images = load_images(os.path.join(args.data, "train", "urban100")) + load_photos(args.photos)
    val_images = load_images(os.path.join(args.data, "val", "mcmaster18"))
    print(f"{len(train_images)} training images", flush=True)

    model = net.build(args.model)
    trunk, head = net.macs_per_pixel(model)
    print(f"MACs per pixel: trunk {trunk:.0f}, head {head:.0f}", flush=True)
    if args.init_denoiser and not args.init and not os.path.exists(os.path.join(args.out, "checkpoint.pt")):
        net.from_denoiser(model, torch.load(args.init_denoiser)["model"])
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = training.Run(args, model, optimizer, net.CONFIGS[args.model],
                       lambda: export(model, args.model, os.path.join(args.out, f"restore-{args.model}.pt")))
    rng = np.random.default_rng(args.seed + run.step)
    gen = torch.Generator().manual_seed(args.seed + run.step)
    running = []
    since = time.time()  # wall time of the steps in `running`
    model.train()
    while True:
        run.begin_step()
        clean = random_batch(train_images, args.batch, args.crop, rng)
        if args.blind_every and run.step % args.blind_every == 0:
            loss = blind_loss(model, clean[: args.batch // 2], gen, args)
        else:
            loss = task_loss(model, clean, gen, args)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append(float(loss))

        if run.end_step():
            record = dict(l1=float(np.mean(running)), steps_per_second=round(len(running) / (time.time() - since), 2),
                          mcmaster=validate(model, val_images))
            running = []
            if run.checkpoint(record):
                break
            since = time.time()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Trains the isprestore network on relative ground truth (TASNet's sampling, seed 000 ch. 2).

For each crop, input levels l_in (blur, noise, JPEG in [0, 1]) are drawn, and target levels
l_gt between 0 and l_in: the input is the clean crop degraded to l_in, the target the same crop
degraded to l_gt (same noise realisation, scaled), and the network, told t = l_in - l_gt, learns
to remove exactly that much. Degradations run in the camera's order: blur, noise, 8-bit
quantisation, JPEG. Every step also teaches the level estimator the input's levels, and the
trunk is told the input's levels (the true ones or the estimate).

A share of the noise is a camera's (shot and read noise in RAW through a demosaicking ISP), on
the same scale as white noise, so that manual and blind mode both meet it; blind mode is the
estimate used as the task.

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


def sample_levels(batch: int, gen: torch.Generator, zero_probability: float, full_share: float = 0.0):
    """l_in per component: 0 with some probability, else uniform; and the share u of it the
    target keeps (l_gt = l_in * u): 0 (restore fully) half of the time, else uniform; and for
    `full_share` of the samples 0 for every component (the whole mixture restored, as a user
    asks of a camera's frames)."""
    l_in = torch.rand(batch, 3, generator=gen)
    l_in = l_in * (torch.rand(batch, 3, generator=gen) >= zero_probability).float()
    u = torch.rand(batch, 3, generator=gen) * (torch.rand(batch, 3, generator=gen) >= 0.5).float()
    u = u * (torch.rand(batch, 1, generator=gen) >= full_share).float()
    return l_in, u


def sample_noise(clean: torch.Tensor, l_in: torch.Tensor, gen: torch.Generator, camera_share: float) -> torch.Tensor:
    """Each sample's noise realisation in units of its level (degrade() scales it by the level):
    white Gaussian, or for a share of the noisy samples a camera's: shot and read noise in RAW
    carried through a demosaicking ISP (the denoiser's NERDS synthesis) on the blurred crop. The
    camera noise is its whole difference from that crop, demosaicking artefacts included, and its
    level (written into l_in) the white-noise sigma of the same energy, so that `denoise` and the
    blind estimate keep one scale."""
    noise = torch.randn(clean.shape, generator=gen)
    camera = ((torch.rand(clean.shape[0], generator=gen) < camera_share) & (l_in[:, 1] > 0)).nonzero().flatten()
    if len(camera) == 0:
        return noise
    blurred = torch.cat([synth.gaussian_blur(clean[i:i + 1], float(l_in[i, 0]) * net.MAX_BLUR_SIGMA) for i in camera])
    noisy, _ = synth.camera_noise(blurred, gen, jpeg_probability=0.0, correlated_probability=0.3,
                                  chroma_suppressed_probability=0.5)
    difference = noisy - blurred
    level = (difference.std(dim=(1, 2, 3)) * 255.0 / net.MAX_NOISE_SIGMA).clamp(1e-3, 1.0)
    l_in[camera, 1] = level
    noise[camera] = difference / (level * net.MAX_NOISE_SIGMA / 255.0).view(-1, 1, 1, 1)
    return noise


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
    """Every score as deployed: the trunk told the estimated levels, not the true ones."""
    model.eval()
    scores = {}
    errors = []
    for name, levels in VALIDATION.items():
        inputs, outputs, blind = [], [], []
        for index, img in enumerate(images):
            clean = aligned(img)
            gen = torch.Generator().manual_seed(index)
            level = torch.tensor([levels])
            degraded = degrade(clean, level, torch.randn(clean.shape, generator=gen))
            half = F.pixel_unshuffle(degraded, 2)
            estimate = model.estimate(half)
            features = model.trunk(half, estimate)
            restored = F.pixel_shuffle(model.head(features, level), 2)
            inputs.append(psnr(degraded, clean))
            outputs.append(psnr(synth.quantize(restored.clamp(0, 1)), clean))
            errors.append((estimate - level).abs().mean().item())
            if name == BLIND_VALIDATION:
                restored = F.pixel_shuffle(model.head(features, estimate), 2)
                blind.append(psnr(synth.quantize(restored.clamp(0, 1)), clean))
        scores[name] = (round(float(np.mean(inputs)), 3), round(float(np.mean(outputs)), 3))
        if blind:
            scores["blind-" + name] = round(float(np.mean(blind)), 3)
    scores["level-error"] = round(float(np.mean(errors)), 4)
    model.train()
    return scores


DENOISER = os.path.join(HERE, "..", "denoise", "denoise-fast.pt")


def adopt_denoiser(model, init_path):
    """The trunk's denoiser gets ispdenoise's shipped fast weights, unless the checkpoint it
    starts from holds its own copy (trained further since phase 6; the shipped fast model has
    grown since, so only such a checkpoint fits the trunk now). Started from a checkpoint
    whose stem read the frame alone (phase 4), the stem's new half, for the denoised copy, starts
    at zero, so that the network starts where that checkpoint was."""
    saved = torch.load(init_path)["model"] if init_path else {}
    if not any(k.startswith("denoiser.") for k in saved):
        if training.load_matching(model.denoiser, torch.jit.load(DENOISER).state_dict()):
            raise SystemExit(f"{DENOISER} does not have the trunk's denoiser shape: start from a restore "
                             "checkpoint that holds its own (--init models/restore/checkpoints/fast.pt)")
    if not init_path:
        return
    stem = saved["stem.weight"]
    if stem.shape[1] == 12:
        with torch.no_grad():
            model.stem.weight.zero_()
            model.stem.weight[:, :12] = stem


def network_precision(args):
    """bfloat16 autocast for the network (--bf16); the data synthesis stays float32."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16)


def task_loss(model, clean, gen, args):
    """Relative ground truth with the given task, and the estimator on the input's levels. The
    trunk is told the true levels in a share of the samples and the estimate (detached) in the
    rest, so that it learns from exact levels and copes with the estimator's errors."""
    l_in, keep = sample_levels(clean.shape[0], gen, args.zero_probability, args.full_share)
    noise = sample_noise(clean, l_in, gen, args.camera_share)
    l_gt = l_in * keep
    degraded = degrade(clean, l_in, noise)
    target = degrade(clean, l_gt, noise)
    half = F.pixel_unshuffle(degraded, 2)
    with network_precision(args):
        estimate = model.estimate(half)
        told_truth = (torch.rand(clean.shape[0], 1, generator=gen) < args.true_level_share).float()
        levels = told_truth * l_in + (1 - told_truth) * estimate.detach()
        restored = model.head(model.trunk(half, levels), l_in - l_gt)
    return (F.l1_loss(restored.float(), F.pixel_unshuffle(target, 2)) +
            args.estimator_weight * F.l1_loss(estimate, l_in))


def estimator_loss(model, clean, gen, args):
    """The estimator alone on the input's levels, the rest of the network untouched."""
    l_in, _ = sample_levels(clean.shape[0], gen, args.zero_probability)
    degraded = degrade(clean, l_in, sample_noise(clean, l_in, gen, args.camera_share))
    with network_precision(args):
        estimate = model.estimate(F.pixel_unshuffle(degraded, 2))
    return F.l1_loss(estimate, l_in)


def main():
    parser = argparse.ArgumentParser()
    training.add_common_arguments(parser, net.CONFIGS, crop=128, lr=1e-3)
    parser.add_argument("--zero-probability", type=float, default=0.3,
                        help="chance that a degradation is absent from a sample's input")
    parser.add_argument("--full-share", type=float, default=0.0,
                        help="share of the samples whose target is the clean crop (every degradation removed)")
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the forward and backward pass")
    parser.add_argument("--camera-share", type=float, default=0.3,
                        help="share of the noisy samples whose noise is a camera's (RAW through an ISP)")
    parser.add_argument("--estimator-weight", type=float, default=0.1)
    parser.add_argument("--true-level-share", type=float, default=0.5,
                        help="share of the samples whose trunk is told the true input levels instead of the estimate")
    parser.add_argument("--denoiser-lr-scale", type=float, default=0.0,
                        help="train the trunk's denoiser too, at this share of the learning rate (0: frozen)")
    parser.add_argument("--only-estimator", action="store_true",
                        help="train the level estimator alone (fast: no trunk, no heads)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train_images = load_images(os.path.join(args.data, "train", "urban100")) + load_photos(args.photos)
    val_images = load_images(os.path.join(args.data, "val", "mcmaster18"))
    print(f"{len(train_images)} training images", flush=True)

    model = net.build(args.model)
    trunk, head = net.macs_per_pixel(model)
    print(f"MACs per pixel: trunk {trunk:.0f}, head {head:.0f}", flush=True)
    if args.only_estimator:
        groups = [{"params": list(model.level_estimator.parameters())}]
    else:
        groups = [{"params": [p for p in model.parameters() if p.requires_grad]}]
        if args.denoiser_lr_scale > 0:
            # ispdenoise's network, trained on noise alone, learns what the chain's deblurring
            # amplifies in what it leaves (the restorer ships its own copy of the weights).
            model.denoiser.requires_grad_(True)
            groups.append({"params": list(model.denoiser.parameters()), "lr_scale": args.denoiser_lr_scale})
    optimizer = torch.optim.Adam(groups, lr=args.lr)
    run = training.Run(args, model, optimizer, net.CONFIGS[args.model],
                       lambda: export(model, args.model, os.path.join(args.out, f"restore-{args.model}.pt")))
    if not os.path.exists(run.checkpoint_path):  # a fresh run, not a resumed one
        adopt_denoiser(model, args.init)
    rng = np.random.default_rng(args.seed + run.step)
    gen = torch.Generator().manual_seed(args.seed + run.step)
    running = []
    since = time.time()  # wall time of the steps in `running`
    model.train()
    while True:
        run.begin_step()
        clean = random_batch(train_images, args.batch, args.crop, rng)
        loss = (estimator_loss if args.only_estimator else task_loss)(model, clean, gen, args)
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

#!/usr/bin/python3
"""Train an ispdenoise model on CPU within a wall-clock budget, resumable.

    /usr/bin/python3 models/denoise/train.py --model fast --minutes 120 --threads 1 \
        --data ../shared/datasets --out /tmp/train/fast

The learning rate follows a cosine over the time budget (not over a step count), so a run that is
stopped and resumed ends its schedule on time. `--init CHECKPOINT --new-schedule` starts a new
cosine cycle (a warm restart) from a finished run's weights and optimiser state, to continue
training in a later session. Every --eval-minutes it writes a checkpoint, a
validation line (McMaster, AWGN sigma 25 and 5 seeded per image, blind and with the true sigma) and the
TorchScript export `denoise-<model>.pt`.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import net  # noqa: E402
import training  # noqa: E402
from photos import load_images, load_photos, random_batch  # noqa: E402
import synth  # noqa: E402
from export import export  # noqa: E402


def pad_to(x, multiple):
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    return F.pad(x, (0, pw, 0, ph), mode="reflect"), h, w


def psnr(a, b):
    mse = float(((a - b) ** 2).mean())
    return 10 * math.log10(1.0 / max(mse, 1e-12))


@torch.inference_mode()
def validate(model, images, sigma=25.0):
    model.eval()
    blind, given = [], []
    estimates = []
    for index, img in enumerate(images):
        clean = torch.from_numpy(img.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
        noise = np.random.default_rng(index).standard_normal(img.shape).astype(np.float32) * sigma
        noisy_u8 = np.clip(np.round(img.astype(np.float32) + noise), 0, 255)
        noisy = torch.from_numpy(noisy_u8 / 255.0).float().permute(2, 0, 1).unsqueeze(0)
        padded, h, w = pad_to(noisy, net.ALIGNMENT)
        half = F.pixel_unshuffle(padded, 2)
        one = torch.ones(1, 1, 1, 1)
        out, level_map = model(half, -one, one)
        blind.append(psnr(quantize_u8(F.pixel_shuffle(out, 2)[..., :h, :w]), clean))
        estimates.append(float(level_map.mean()) * 255)
        out, _ = model(half, torch.full((1, 1, 1, 1), sigma / 255.0), one)
        given.append(psnr(quantize_u8(F.pixel_shuffle(out, 2)[..., :h, :w]), clean))
    model.train()
    return float(np.mean(blind)), float(np.mean(given)), float(np.mean(estimates))


def cell_pattern(error):
    """How much of an error repeats with the 2x2 cell the network works on: per colour and 8x8-pixel
    block, each cell position's mean error minus the mean over the four positions (error in the
    pixel-unshuffled layout, channel = colour * 4 + position). Noise averages out over a block; a
    bias that depends on the position in the cell, which shows as a 2x2 pattern, does not."""
    n, _, h, w = error.shape
    per_colour = error.view(n, 3, 4, h, w)
    deviation = (per_colour - per_colour.mean(dim=2, keepdim=True)).view(n, 12, h, w)
    return F.avg_pool2d(deviation, 4).abs().mean()


def quantize_u8(x):
    return (x.clamp(0, 1) * 255).round() / 255


def main():
    parser = argparse.ArgumentParser()
    training.add_common_arguments(parser, net.CONFIGS, crop=96, lr=1e-3)
    parser.add_argument("--awgn-fraction", type=float, default=0.5,
                        help="share of each batch with white Gaussian noise")
    parser.add_argument("--structured-fraction", type=float, default=0.0,
                        help="share of each batch with noise of random spatial and channel structure "
                             "(the rest after AWGN and this gets camera noise)")
    parser.add_argument("--correlated-fraction", type=float, default=0.0,
                        help="share of camera-noise samples whose noise the simulated ISP left spatially correlated")
    parser.add_argument("--chroma-suppressed-fraction", type=float, default=0.0,
                        help="share of camera-noise samples whose chroma noise the simulated ISP reduced")
    parser.add_argument("--estimate-fraction", type=float, default=0.5,
                        help="share of samples conditioned on the estimator's output instead of the true level")
    parser.add_argument("--only-estimator", action="store_true",
                        help="train the noise estimator alone; its target does not depend on the denoiser, "
                             "so a new estimator design needs no denoiser training")
    parser.add_argument("--flat-crops", type=int, default=0,
                        help="crops per batch, beside --batch, of a flat colour with mild noise, told up to 4 "
                             "times the noise they hold (synth.flat_noisy)")
    parser.add_argument("--cell-pattern-weight", type=float, default=0.0,
                        help="weight of the 2x2-cell-periodic part of the error in the loss (cell_pattern)")
    parser.add_argument("--teacher", help="a denoiser model file (an export) to distil from: its output, told "
                                          "the same level, is a second L1 target beside the clean crop")
    parser.add_argument("--teacher-weight", type=float, default=1.0, help="weight of the --teacher term")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train_images = load_images(os.path.join(args.data, "train", "urban100")) + load_photos(args.photos)
    print(f"{len(train_images)} training images", flush=True)
    val_images = load_images(os.path.join(args.data, "val", "mcmaster18"))

    model = net.build(args.model)
    teacher = torch.jit.load(args.teacher).eval() if args.teacher else None
    trained = model.estimator if args.only_estimator else model
    optimizer = torch.optim.Adam(trained.parameters(), lr=args.lr)
    run = training.Run(args, model, optimizer, net.CONFIGS[args.model],
                       lambda: export(model, args.model, os.path.join(args.out, f"denoise-{args.model}.pt")))
    state = run.state
    rng = np.random.default_rng(args.seed + run.step)
    gen = torch.Generator().manual_seed(args.seed + run.step)
    running = []
    model.train()
    while True:
        run.begin_step()
        clean = random_batch(train_images, args.batch, args.crop, rng)
        n_awgn = int(round(args.batch * args.awgn_fraction))
        n_structured = int(round(args.batch * args.structured_fraction))
        noisy_awgn, sigma = synth.awgn(clean[:n_awgn], gen)
        noisy_structured, target_structured = synth.structured_noise(clean[n_awgn:n_awgn + n_structured], gen)
        noisy_cam, target_cam = synth.camera_noise(clean[n_awgn + n_structured:], gen,
                                                   correlated_probability=args.correlated_fraction,
                                                   chroma_suppressed_probability=args.chroma_suppressed_fraction)
        noisy_local = torch.cat([noisy_structured, noisy_cam])
        target_local = torch.cat([target_structured, target_cam])
        noisy_flat, target_flat = synth.flat_noisy(args.flat_crops, args.crop, gen)
        noisy = torch.cat([noisy_awgn, noisy_local, noisy_flat])
        target = torch.cat([clean[:n_awgn], target_local, target_flat])
        lh, lw = args.crop // 8, args.crop // 8
        true_level = torch.cat([sigma.view(-1, 1, 1, 1).expand(n_awgn, 1, lh, lw),
                                synth.local_noise_level(noisy_local, target_local),
                                synth.local_noise_level(noisy_flat, target_flat)])
        size = noisy.shape[0]

        half = F.pixel_unshuffle(noisy, 2)
        estimated = model.estimator(half)
        loss_level = F.l1_loss(estimated, true_level)
        if args.only_estimator:
            loss_image = torch.zeros(())
            loss = loss_level
        else:
            # Condition on the true level (jittered, as a user's setting would be) or on the
            # network's own estimate, so that blind operation is what the denoiser is trained for.
            # The share ramps up over each schedule's first steps, while a new estimator learns.
            ramp = min(1.0, (state["step"] - state.get("schedule_start_step", 0)) / 2000)
            use_estimate = (torch.rand(size, 1, 1, 1, generator=gen) < args.estimate_fraction * ramp).float()
            jitter = 0.85 + 0.3 * torch.rand(size, 1, 1, 1, generator=gen)
            # The flat crops are told 1-4 times their noise, as strength 1-4 would.
            jitter[args.batch:] = 1.0 + 3.0 * torch.rand(args.flat_crops, 1, 1, 1, generator=gen)
            use_estimate[args.batch:] = 0.0
            level = use_estimate * estimated.detach() + (1 - use_estimate) * true_level * jitter
            # L1 in the unshuffled layout is L1 over the same pixels.
            denoised = model.denoise(half, half, level)
            target_half = F.pixel_unshuffle(target, 2)
            loss_image = F.l1_loss(denoised, target_half)
            if teacher is not None:
                with torch.no_grad():
                    taught = teacher.denoise_map(half, level)
                loss_image = loss_image + args.teacher_weight * F.l1_loss(denoised, taught)
            if args.cell_pattern_weight > 0:
                loss_image = loss_image + args.cell_pattern_weight * cell_pattern(denoised - target_half)
            loss = loss_image + 2.0 * loss_level
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append((float(loss_image), float(loss_level)))

        if run.end_step():
            blind, given, est = validate(model, val_images)
            # Sigma 5 too: the fast model leaves low noise untouched, which sigma 25 does not show.
            blind5, given5, est5 = validate(model, val_images, sigma=5.0)
            li, ll = np.mean(running, axis=0)
            running = []
            if run.checkpoint(dict(l1=float(li), level_l1_255=float(ll) * 255, mcmaster_s25_blind=round(blind, 3),
                                   mcmaster_s25_given=round(given, 3), mcmaster_s25_estimated_sigma=round(est, 2),
                                   mcmaster_s5_blind=round(blind5, 3), mcmaster_s5_given=round(given5, 3),
                                   mcmaster_s5_estimated_sigma=round(est5, 2))):
                break


if __name__ == "__main__":
    main()

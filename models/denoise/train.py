#!/usr/bin/python3
"""Train an ispdenoise model on CPU within a wall-clock budget, resumable.

    /usr/bin/python3 models/denoise/train.py --model fast --minutes 120 --threads 1 \
        --data ../shared/datasets --out /tmp/train/fast

The learning rate follows a cosine over the time budget (not over a step count), so a run that is
stopped and resumed ends its schedule on time. `--init CHECKPOINT --new-schedule` starts a new
cosine cycle (a warm restart) from a finished run's weights and optimiser state, to continue
training in a later session. Every --eval-minutes it writes a checkpoint, a
validation line (McMaster, AWGN sigma 25 seeded per image, blind and with the true sigma) and the
TorchScript export `denoise-<model>.pt`.
"""
import argparse
import glob
import json
import math
import os
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import net  # noqa: E402
from photos import load_images, load_photos, random_batch  # noqa: E402
import synth  # noqa: E402
from export import export  # noqa: E402


def pad_to(x, multiple):
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    return F.pad(x, (0, pw, 0, ph), mode="reflect"), h, w


def load_matching(model, saved_state):
    """Loads the saved parameters whose names and shapes match; returns the names of the rest."""
    own = model.state_dict()
    matching = {k: v for k, v in saved_state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(matching, strict=False)
    return sorted(k for k in own if k not in matching)


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


def quantize_u8(x):
    return (x.clamp(0, 1) * 255).round() / 255


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(net.CONFIGS), required=True)
    parser.add_argument("--minutes", type=float, default=120)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", default=os.environ.get("NEURALISP_DATASETS", "../shared/datasets"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=96)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--eval-minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
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
    parser.add_argument("--photos", nargs="*", default=[],
                        help="glob patterns of more clean photos (e.g. from mate-backgrounds) to train on")
    parser.add_argument("--only-estimator", action="store_true",
                        help="train the noise estimator alone; its target does not depend on the denoiser, "
                             "so a new estimator design needs no denoiser training")
    parser.add_argument("--init", help="checkpoint to start from when --out has none")
    parser.add_argument("--new-schedule", action="store_true",
                        help="with --init: keep weights and optimiser, restart the time budget")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    train_images = load_images(os.path.join(args.data, "train", "urban100")) + load_photos(args.photos)
    print(f"{len(train_images)} training images", flush=True)
    val_images = load_images(os.path.join(args.data, "val", "mcmaster18"))

    model = net.build(args.model)
    trained = model.estimator if args.only_estimator else model
    optimizer = torch.optim.Adam(trained.parameters(), lr=args.lr)
    checkpoint_path = os.path.join(args.out, "checkpoint.pt")
    state = {"step": 0, "elapsed": 0.0, "history": []}
    resume_from = checkpoint_path if os.path.exists(checkpoint_path) else args.init
    if resume_from:
        saved = torch.load(resume_from)
        fresh = load_matching(model, saved["model"])
        if fresh:
            print(f"new parameters (not in {resume_from}): {', '.join(fresh)}", flush=True)
        # Adam's moments only fit the parameters they were saved for (all, or the estimator's).
        same_parameters = len(saved["optimizer"]["param_groups"][0]["params"]) == len(optimizer.param_groups[0]["params"])
        if not fresh and same_parameters:
            optimizer.load_state_dict(saved["optimizer"])
        state = saved["state"]
        if args.new_schedule and resume_from == args.init:
            state["elapsed"] = 0.0
            state["schedule_start_step"] = state["step"]
        print(f"resumed from {resume_from} at step {state['step']}, {state['elapsed'] / 60:.1f} min into the budget",
              flush=True)

    rng = np.random.default_rng(args.seed + state["step"])
    gen = torch.Generator().manual_seed(args.seed + state["step"])
    budget = args.minutes * 60
    start = time.time() - state["elapsed"]
    next_eval = state["elapsed"] + args.eval_minutes * 60
    running = []
    model.train()
    while True:
        elapsed = time.time() - start
        progress = min(elapsed / budget, 1.0)
        lr = args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group["lr"] = lr

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
        noisy = torch.cat([noisy_awgn, noisy_local])
        target = torch.cat([clean[:n_awgn], target_local])
        lh, lw = args.crop // 8, args.crop // 8
        true_level = torch.cat([sigma.view(-1, 1, 1, 1).expand(n_awgn, 1, lh, lw),
                                synth.local_noise_level(noisy_local, target_local)])

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
            use_estimate = (torch.rand(args.batch, 1, 1, 1, generator=gen) < args.estimate_fraction * ramp).float()
            jitter = 0.85 + 0.3 * torch.rand(args.batch, 1, 1, 1, generator=gen)
            level = use_estimate * estimated.detach() + (1 - use_estimate) * true_level * jitter
            # L1 in the unshuffled layout is L1 over the same pixels.
            loss_image = F.l1_loss(model.denoise(half, half, level), F.pixel_unshuffle(target, 2))
            loss = loss_image + 2.0 * loss_level
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        state["step"] += 1
        running.append((float(loss_image), float(loss_level)))

        elapsed = time.time() - start
        if elapsed >= next_eval or elapsed >= budget:
            state["elapsed"] = elapsed
            blind, given, est = validate(model, val_images)
            li, ll = np.mean(running, axis=0)
            running = []
            record = dict(step=state["step"], minutes=round(elapsed / 60, 1), lr=lr, l1=float(li),
                          level_l1_255=float(ll) * 255, mcmaster_s25_blind=round(blind, 3),
                          mcmaster_s25_given=round(given, 3), mcmaster_s25_estimated_sigma=round(est, 2))
            state["history"].append(record)
            print(json.dumps(record), flush=True)
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state,
                        "config": net.CONFIGS[args.model], "seed": args.seed}, checkpoint_path + ".tmp")
            os.replace(checkpoint_path + ".tmp", checkpoint_path)
            export(model, args.model, os.path.join(args.out, f"denoise-{args.model}.pt"))
            next_eval = elapsed + args.eval_minutes * 60
            if elapsed >= budget:
                break


if __name__ == "__main__":
    main()

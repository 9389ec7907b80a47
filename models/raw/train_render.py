#!/usr/bin/python3
"""Trains the neural ISP behind ispraw2rgb (net.Renderer) on RAW synthesised from clean photos.

Each step draws a camera per sample (a random colour matrix with cross-talk, white-balance gains
and exposure: models/denoise/synth.py's unprocessing), turns clean sRGB crops into linear camera
RGB, samples the RGGB mosaic, adds shot and read noise at a random level (none for a quarter of
the samples), and quantises to 8, 10 or 12 bits.
- The demosaic stage learns the clean linear camera RGB from the noisy mosaic (L1 on a gamma
  scale, so that shadows count). 60% of its samples are sRGB mosaics with the sRGB image as
  the target: `rendering=demosaic` on mosaics that were never linear (and the classic demosaicking
  benchmark) uses the same network. Their chroma is scaled up at random first, since saturated
  colours are where demosaicking fails.
- The colour stage sees whole photos shrunk to frame-like thumbnails (a frame's white balance is a
  property of the whole frame, not of a crop) and learns gains and the colour transform that
  render the clean linear image back to the photo (L1 after the tone curve).

Validation on McMaster (seeded): demosaicking of clean sRGB mosaics (5-pixel border, the issue's
protocol) beside bilinear; the round trip with the default camera rendered with the true camera
and with the estimated one; joint denoise + demosaic at three noise levels.

    /usr/bin/python3 models/raw/train_render.py --model fast --minutes 90 --out /tmp/train/raw
"""
import argparse
import math
import os
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(HERE, "..", "denoise"))
import net  # noqa: E402
import synth  # noqa: E402  (the denoiser's camera model: colour matrices, mosaic, noise levels)
from export import export_renderer  # noqa: E402
import training  # noqa: E402
from layers import luminance  # noqa: E402
from photos import load_images, load_photos, random_batch  # noqa: E402

NOISE_FREE_SHARE = 0.25


def sample_cameras(n, gen):
    """rgb_to_cam [n,3,3] and gains [n,3] (white balance times exposure), as synth.camera_noise."""
    rgb_to_cam = synth.random_rgb_to_cam(n, gen)
    red = 1.9 + 0.5 * torch.rand(n, generator=gen)
    blue = 1.5 + 0.4 * torch.rand(n, generator=gen)
    brightness = (0.8 + 0.1 * torch.randn(n, generator=gen)).clamp(0.5, 1.1)
    gains = torch.stack([red, torch.ones(n), blue], dim=1) * brightness.view(n, 1)
    return rgb_to_cam, gains


def unprocess(clean, rgb_to_cam, gains):
    """sRGB [n,3,H,W] -> linear camera RGB, clipped as a sensor clips."""
    cam = torch.einsum("nij,njhw->nihw", rgb_to_cam, net.inverse_tone(clean))
    return (cam / gains.view(-1, 3, 1, 1)).clamp(0, 1)


def mosaic_of(rgb):
    """[n,3,H,W] -> the RGGB mosaic unshuffled: [n,4,H/2,W/2] (R, G1, G2, B)."""
    u = F.pixel_unshuffle(rgb, 2)  # channel c * 4 + dy * 2 + dx
    return torch.stack([u[:, 0], u[:, 5], u[:, 6], u[:, 11]], dim=1)


def add_raw_noise(mosaic, gen, shot=None):
    """Shot + read noise (the denoiser's NERDS levels); `shot` fixed or drawn log-uniformly."""
    n = mosaic.shape[0]
    if shot is None:
        log_shot = torch.empty(n).uniform_(math.log(1e-4), math.log(0.012), generator=gen)
    else:
        log_shot = torch.full((n,), math.log(shot))
    log_read = 2.18 * log_shot + 1.20 + (0.26 * torch.randn(n, generator=gen) if shot is None else 0.0)
    variance = mosaic.clamp_min(0) * log_shot.exp().view(n, 1, 1, 1) + log_read.exp().view(n, 1, 1, 1)
    return mosaic + torch.randn(mosaic.shape, generator=gen) * variance.sqrt()


def saturate(rgb, most, gen):
    """Chroma scaled about luminance by U(1, most) per sample, clipped to 0..1."""
    n = rgb.shape[0]
    gain = 1 + (most - 1) * torch.rand(n, 1, 1, 1, generator=gen)
    luma = luminance(rgb)
    return (luma + (rgb - luma) * gain).clamp(0, 1)


def quantise(mosaic, bits):
    levels = float(2 ** bits - 1)
    return (mosaic * levels).round().clamp(0, levels) / levels


def thumbnail_of(mosaic):
    """What the library gives the colour stage: R, mean G, B, area-resized to 64x64."""
    rgb = torch.stack([mosaic[:, 0], 0.5 * (mosaic[:, 1] + mosaic[:, 2]), mosaic[:, 3]], dim=1)
    return F.adaptive_avg_pool2d(rgb, net.THUMBNAIL)


def gamma(x):
    return (x.clamp_min(0) + 1e-3) ** (1 / 2.2)


def render(linear, gains, matrix):
    return net.tone(net.apply_color(linear, gains, matrix))


def psnr(a, b, border=0):
    if border:
        a, b = a[..., border:-border, border:-border], b[..., border:-border, border:-border]
    mse = float(((a - b) ** 2).mean())
    return 10 * math.log10(1.0 / max(mse, 1e-12))


def whole_photo_batch(images, batch, side, rng):
    """Whole photos (a random 60-100% window) shrunk to side x side: frames, for the colour stage."""
    out = np.empty((batch, side, side, 3), np.float32)
    for i in range(batch):
        img = images[rng.integers(len(images))]
        h, w = img.shape[:2]
        scale = rng.uniform(0.6, 1.0)
        ch, cw = int(h * scale), int(w * scale)
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        out[i] = cv2.resize(img[y:y + ch, x:x + cw], (side, side), interpolation=cv2.INTER_AREA) / 255.0
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()


def default_camera():
    rgb_to_cam = torch.tensor(net.DEFAULT_RGB_TO_CAM).unsqueeze(0)
    return rgb_to_cam, torch.tensor([net.DEFAULT_GAINS]), torch.linalg.inv(rgb_to_cam)


def even(img):
    t = torch.from_numpy(img.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    h, w = t.shape[-2:]
    return t[..., : h // 8 * 8, : w // 8 * 8]


@torch.inference_mode()
def validate(model, images):
    model.eval()
    rgb_to_cam, gains, cam_to_rgb = default_camera()
    matrix = torch.zeros(1, 3, 10)
    matrix[:, :, :3] = cam_to_rgb
    scores = {k: [] for k in ("demosaic", "bilinear", "roundtrip", "roundtrip-auto", "noisy-1e-3", "noisy-4e-3",
                              "noisy-1e-2")}
    for index, img in enumerate(images):
        clean = even(img)
        gen = torch.Generator().manual_seed(index)
        srgb_mosaic = mosaic_of(clean)
        out = F.pixel_shuffle(model.demosaic(srgb_mosaic), 2)
        scores["demosaic"].append(psnr(out.clamp(0, 1), clean, 5))
        bilinear = F.pixel_shuffle(F.conv2d(srgb_mosaic, model.low.base.weight, padding=1), 2)
        scores["bilinear"].append(psnr(bilinear.clamp(0, 1), clean, 5))
        raw = unprocess(clean, rgb_to_cam, gains)
        mosaic = quantise(mosaic_of(raw), 12)
        linear = F.pixel_shuffle(model.demosaic(mosaic), 2)
        scores["roundtrip"].append(psnr(render(linear, gains, matrix), clean, 5))
        auto_gains, auto_matrix = model.color(thumbnail_of(mosaic))
        scores["roundtrip-auto"].append(psnr(render(linear, auto_gains, auto_matrix), clean, 5))
        for shot in (1e-3, 4e-3, 1e-2):
            noisy = quantise(add_raw_noise(mosaic_of(raw), gen, shot), 12)
            linear = F.pixel_shuffle(model.demosaic(noisy), 2)
            scores[f"noisy-{shot:.0e}".replace("e-0", "e-")].append(psnr(render(linear, gains, matrix), clean, 5))
    model.train()
    return {k: round(float(np.mean(v)), 3) for k, v in scores.items()}


def main():
    parser = argparse.ArgumentParser()
    training.add_common_arguments(parser, net.CONFIGS, crop=128, lr=1e-3)
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the networks")
    parser.add_argument("--srgb-mosaic-share", type=float, default=0.6,
                        help="share of the demosaic samples that are mosaics of the sRGB crop itself")
    parser.add_argument("--srgb-saturation", type=float, default=2.2,
                        help="sRGB mosaics' chroma is scaled by up to this about luminance (clipped): "
                             "saturated colours, whose channels correlate least, are where demosaicking fails")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train_images = load_images(os.path.join(args.data, "train", "urban100")) + load_photos(args.photos)
    val_images = load_images(os.path.join(args.data, "val", "mcmaster18"))
    print(f"{len(train_images)} training images", flush=True)

    model = net.build(args.model)
    print(f"demosaic MACs per pixel: {net.macs_per_pixel(model.low):.0f}", flush=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = training.Run(args, model, optimizer, net.CONFIGS[args.model],
                       lambda: export_renderer(model, args.model, os.path.join(args.out, f"raw2rgb-{args.model}.pt")))
    rng = np.random.default_rng(args.seed + run.step)
    gen = torch.Generator().manual_seed(args.seed + run.step)
    running = []
    since = time.time()
    model.train()
    while True:
        run.begin_step()
        n = args.batch
        clean = random_batch(train_images, n, args.crop, rng)
        rgb_to_cam, gains = sample_cameras(n, gen)
        raw = unprocess(clean, rgb_to_cam, gains)
        # A share of sRGB mosaics: demosaicking in the image's own colours and tone.
        srgb = torch.rand(n, generator=gen) < args.srgb_mosaic_share
        if args.srgb_saturation > 1:
            clean = torch.where(srgb.view(n, 1, 1, 1), saturate(clean, args.srgb_saturation, gen), clean)
        source = torch.where(srgb.view(n, 1, 1, 1), clean, raw)
        mosaic = mosaic_of(source)
        noisy = add_raw_noise(mosaic, gen)
        noise_free = (torch.rand(n, generator=gen) < NOISE_FREE_SHARE) | srgb
        mosaic = torch.where(noise_free.view(n, 1, 1, 1), mosaic, noisy)
        bits = int(rng.choice([8, 10, 12]))
        mosaic = quantise(mosaic, bits)

        photos = whole_photo_batch(train_images, n, args.crop, rng)
        p_rgb_to_cam, p_gains = sample_cameras(n, gen)
        p_raw = unprocess(photos, p_rgb_to_cam, p_gains)
        p_mosaic = quantise(add_raw_noise(mosaic_of(p_raw), gen), 12)

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            out = model.demosaic(mosaic)
            est_gains, est_matrix = model.color(thumbnail_of(p_mosaic))
        out = F.pixel_shuffle(out.float(), 2)
        # sRGB samples compare directly, linear ones on a gamma scale.
        demosaic_loss = F.l1_loss(torch.where(srgb.view(n, 1, 1, 1), out, gamma(out)),
                                  torch.where(srgb.view(n, 1, 1, 1), source, gamma(source)))
        color_loss = F.l1_loss(render(p_raw, est_gains.float(), est_matrix.float()), photos)
        loss = demosaic_loss + color_loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append((float(demosaic_loss), float(color_loss)))

        if run.end_step():
            losses = np.mean(running, axis=0)
            record = dict(demosaic_l1=round(float(losses[0]), 5), color_l1=round(float(losses[1]), 5),
                          steps_per_second=round(len(running) / (time.time() - since), 2),
                          mcmaster=validate(model, val_images))
            running = []
            if run.checkpoint(record):
                break
            since = time.time()


if __name__ == "__main__":
    main()

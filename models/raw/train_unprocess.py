#!/usr/bin/python3
"""Trains the correction inside the reverse ISP behind isprgb2raw (net.Unprocessor).

The explicit inverse (tone curve, gamma, colour matrix, gains) is exact for an ideal render; what
it cannot invert is what a real render loses: highlights clipped at white, 8-bit quantisation
(banding in the shadows once linearised) and JPEG. So each step makes RAW from clean photos with a
random camera (train_render.sample_cameras, exposure pushed up so that highlights clip), renders
it as a camera would (gains, matrix, clip, tone curve, 8 bits, JPEG for a third), and the network
learns the RAW back from that render, told the camera (L1 on a gamma scale).

Validation on McMaster with the default camera, exposed half a stop over (so that the render
clips and quantises something): the RAW recovered from the 8-bit render
against the true RAW (PSNR on the gamma scale), with and without the correction, and the round
trip through the explicit forward render (the sRGB -> RAW -> sRGB figure, without demosaicking).

    /usr/bin/python3 models/raw/train_unprocess.py --minutes 20 --out /tmp/train/unprocess
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
sys.path.append(os.path.join(HERE, "..", "denoise"))
import net  # noqa: E402
import synth  # noqa: E402
from export import export_unprocessor  # noqa: E402
import training  # noqa: E402
from photos import load_images, load_photos, random_batch  # noqa: E402
from train_render import default_camera, even, gamma, psnr, sample_cameras  # noqa: E402

CONFIGS = {"fast": {}}
VALIDATION_EXPOSURE = 2 ** 0.5


def camera_render(raw, gains, cam_to_rgb):
    """What a camera's ISP makes of linear camera RGB [n,3,H,W]: 8-bit sRGB."""
    rgb = torch.einsum("nij,njhw->nihw", cam_to_rgb, raw * gains.view(-1, 3, 1, 1)).clamp(0, 1)
    return synth.quantize(net.tone(rgb))


def unprocess_batch(model, srgb, gains, cam_to_rgb):
    return F.pixel_shuffle(model.unprocess(F.pixel_unshuffle(srgb, 2), gains, cam_to_rgb.reshape(-1, 9)), 2)


@torch.inference_mode()
def validate(model, images):
    model.eval()
    rgb_to_cam, gains, cam_to_rgb = default_camera()
    explicit = net.Unprocessor()  # the correction starts at zero: the explicit inverse alone
    scores = {"raw": [], "raw-explicit": [], "roundtrip": []}
    for img in images:
        clean = even(img)
        cam = torch.einsum("nij,njhw->nihw", rgb_to_cam, net.inverse_tone(clean))
        raw = (cam / gains.view(-1, 3, 1, 1) * VALIDATION_EXPOSURE).clamp(0, 1)
        srgb = camera_render(raw, gains, cam_to_rgb)
        recovered = unprocess_batch(model, srgb, gains, cam_to_rgb)
        scores["raw"].append(psnr(gamma(recovered), gamma(raw)))
        scores["raw-explicit"].append(psnr(gamma(unprocess_batch(explicit, srgb, gains, cam_to_rgb)), gamma(raw)))
        scores["roundtrip"].append(psnr(camera_render(recovered, gains, cam_to_rgb), srgb))
    model.train()
    return {k: round(float(np.mean(v)), 3) for k, v in scores.items()}


def main():
    parser = argparse.ArgumentParser()
    training.add_common_arguments(parser, CONFIGS, crop=96, lr=1e-3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train_images = load_images(os.path.join(args.data, "train", "urban100")) + load_photos(args.photos)
    val_images = load_images(os.path.join(args.data, "val", "mcmaster18"))
    model = net.Unprocessor()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = training.Run(args, model, optimizer, CONFIGS[args.model],
                       lambda: export_unprocessor(model, "fast", os.path.join(args.out, "rgb2raw-fast.pt")))
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
        cam_to_rgb = torch.linalg.inv(rgb_to_cam)
        # Up to one stop over: the scene's highlights clip in the render, not in the RAW.
        exposure = 2 ** (torch.rand(n, generator=gen) * 1.0)
        cam = torch.einsum("nij,njhw->nihw", rgb_to_cam, net.inverse_tone(clean))
        raw = (cam / gains.view(-1, 3, 1, 1) * exposure.view(n, 1, 1, 1)).clamp(0, 1)
        srgb = camera_render(raw, gains, cam_to_rgb)
        qualities = [int(rng.integers(60, 96)) if rng.random() < 1 / 3 else 0 for _ in range(n)]
        srgb = synth.jpeg_round_trip(srgb, qualities)
        loss = F.l1_loss(gamma(unprocess_batch(model, srgb, gains, cam_to_rgb)), gamma(raw))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        running.append(float(loss))
        if run.end_step():
            record = dict(l1=round(float(np.mean(running)), 5),
                          steps_per_second=round(len(running) / (time.time() - since), 2),
                          mcmaster=validate(model, val_images))
            running = []
            if run.checkpoint(record):
                break
            since = time.time()


if __name__ == "__main__":
    main()

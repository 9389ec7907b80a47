"""Clean training photos shared by every task's training: dataset folders, Debian photo packages
and random augmented crops."""
import glob
import math
import os

import cv2
import numpy as np
import torch


# The photo the tests and the demo score on stays out of training, so their floors stay honest.
HELD_OUT_PHOTOS = {"LadyBird.jpg"}
LONG_SIDE = 1280


def load_images(folder):
    paths = sorted(glob.glob(os.path.join(folder, "*.png")) + glob.glob(os.path.join(folder, "*.tif")))
    return [cv2.imread(p, cv2.IMREAD_COLOR)[:, :, ::-1].copy() for p in paths]


def load_photos(patterns):
    """Photos from Debian packages, shrunk to LONG_SIDE so that their JPEG artefacts and sensor
    noise average away and they serve as clean targets."""
    images = []
    for path in sorted({p for pattern in patterns for p in glob.glob(pattern)}):
        if os.path.basename(path) in HELD_OUT_PHOTOS:
            continue
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        scale = LONG_SIDE / max(img.shape[:2])
        if scale < 1:
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        images.append(img[:, :, ::-1].copy())
    return images


def random_batch(images, batch, crop, rng):
    """Random crops at a random scale (0.5-1), flipped, rotated and channel-permuted."""
    out = np.empty((batch, crop, crop, 3), np.float32)
    for i in range(batch):
        img = images[rng.integers(len(images))]
        scale = rng.uniform(0.5, 1.0)
        side = int(math.ceil(crop / scale))
        h, w = img.shape[:2]
        side = min(side, h, w)
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        patch = cv2.resize(img[y:y + side, x:x + side], (crop, crop), interpolation=cv2.INTER_AREA)
        patch = np.rot90(patch, rng.integers(4))
        if rng.integers(2):
            patch = patch[:, ::-1]
        out[i] = patch[:, :, rng.permutation(3)] / 255.0
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()

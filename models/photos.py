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

# The photographs among Debian's wallpaper packages (the rest are drawings and renders, which
# teach nothing about cameras), chosen by eye: `apt-get install mate-backgrounds
# lomiri-wallpapers-16.04 plasma-workspace-wallpapers python3-skimage`. Training scripts take
# them by default (`--photos`).
_PLASMA = "/usr/share/wallpapers/{}/contents/images/*x1440.jpg"
_SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data/{}"
DEBIAN_PHOTOS = (
    ["/usr/share/backgrounds/mate/nature/*.jpg"]
    + ["/usr/share/backgrounds/" + name + ".jpg" for name in (
        "Bridge_by_Sander_Klootwijk", "Dragonfly_by_Bolly", "Picture_0B_by_freespace",
        "Picture_1A_by_freespace", "Wine_by_Jakkub_Mede", "aitzgorri_by_Aitzol_Berasategi",
        "analogpattern_by_Peter_Nerlich", "free_by_Peter_Nerlich", "friends_by_Aitzol_Berasategi",
        "greentock_by_Peter_Nerlich", "life_by_Aitzol_Berasategi", "picosdeeuropa_by_Aitzol_Berasategi",
        "seeding_by_Clements_Engelhardt", "sunset_by_Aitzol_Berasategi")]
    + [_PLASMA.format(name) for name in (
        "BytheWater", "ColdRipple", "EveningGlow", "FallenLeaf", "Grey", "Kite", "OneStandsOut", "Path",
        "summer_1am")]
    + ["/usr/share/wallpapers/ColorfulCups/contents/images/2560x1600.jpg"]
    + [_SKIMAGE.format(name) for name in ("astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png",
                                          "rocket.jpg")])


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

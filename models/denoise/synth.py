"""Camera-noise synthesis for training (NERDS / UPI style).

Clean sRGB crops are unprocessed to linear camera RAW (inverse tone curve, inverse gamma, inverse
colour matrix, inverse white balance, RGGB mosaic), get shot + read noise at random levels, and are
processed back through a simple ISP (white balance, bilinear demosaic, colour matrix, gamma, tone
curve), optionally followed by a JPEG round trip. The clean target goes through the same ISP without
noise so that the network learns the noise, not the demosaicking. Plain AWGN is mixed in so that an
explicit `noise-level` keeps its textbook meaning.

All tensors are float [N,3,H,W] in 0..1 with even H and W.
"""
import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def smoothstep(x):
    return 3 * x ** 2 - 2 * x ** 3


def inverse_smoothstep(y):
    y = y.clamp(0.0, 1.0)
    return 0.5 - torch.sin(torch.asin(1.0 - 2.0 * y) / 3.0)


def random_rgb_to_cam(n, gen):
    """Row-normalised colour matrices: a strong diagonal with random positive cross-talk."""
    cross = torch.rand(n, 3, 3, generator=gen) * 0.35
    eye = torch.eye(3).expand(n, 3, 3)
    m = eye + cross * (1 - eye)
    return m / m.sum(dim=2, keepdim=True)


def mosaic_masks(h, w, device=None):
    """RGGB masks [1,3,H,W]."""
    r = torch.zeros(h, w, device=device)
    g = torch.zeros(h, w, device=device)
    b = torch.zeros(h, w, device=device)
    r[0::2, 0::2] = 1
    g[0::2, 1::2] = 1
    g[1::2, 0::2] = 1
    b[1::2, 1::2] = 1
    return torch.stack([r, g, b]).unsqueeze(0)


_G_KERNEL = torch.tensor([[0, 1, 0], [1, 4, 1], [0, 1, 0]], dtype=torch.float32) / 4
_RB_KERNEL = torch.tensor([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=torch.float32) / 4


def demosaic_bilinear(planes):
    """planes: [N,3,H,W] mosaic with zeros where a channel was not sampled."""
    weight = torch.stack([_RB_KERNEL, _G_KERNEL, _RB_KERNEL]).unsqueeze(1)
    return F.conv2d(F.pad(planes, (1, 1, 1, 1), mode="reflect"), weight, groups=3)


def jpeg_round_trip(batch, qualities):
    out = batch.clone()
    for i, q in enumerate(qualities):
        if q <= 0:
            continue
        img = (batch[i].permute(1, 2, 0).numpy() * 255.0 + 0.5).clip(0, 255).astype(np.uint8)
        ok, enc = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(q)])
        dec = cv2.imdecode(enc, cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.float32) / 255.0
        out[i] = torch.from_numpy(np.ascontiguousarray(dec)).permute(2, 0, 1)
    return out


def quantize(x):
    return (x * 255.0).round().clamp(0, 255) / 255.0


def gaussian_blur(x, sigma):
    """Separable Gaussian blur of [1,C,H,W] with reflect padding; sigma in pixels."""
    if sigma < 0.3:
        return x
    radius = int(math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (radius, radius, 0, 0), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    x = F.pad(x, (0, 0, radius, radius), mode="reflect")
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def mix_in_blotches(x, gen, min_sigma, max_sigma):
    """Noise x [1,C,H,W] with a random share of its energy moved into blotches: a copy blurred at
    a random sigma in [min_sigma, max_sigma] pixels, rescaled to x's std."""
    blurred = gaussian_blur(x, min_sigma + (max_sigma - min_sigma) * float(torch.rand(1, generator=gen)))
    blurred = blurred * (x.std() / blurred.std().clamp_min(1e-6))
    share = float(torch.rand(1, generator=gen))
    return math.sqrt(1 - share) * x + math.sqrt(share) * blurred


def correlate_noise(noise, gen):
    """What a phone ISP's own denoising, sharpening and scaling leave behind: a mix of fine grain
    and blotches a few pixels wide, blotchier in chroma than in luma (SIDD's noise keeps about
    twice a white noise's std after 8x8 averaging). Keeps a random 50-100% of the original std."""
    out = noise.clone()
    for i in range(noise.shape[0]):
        luma = noise[i:i + 1].mean(dim=1, keepdim=True)
        chroma = noise[i:i + 1] - luma
        mixed = mix_in_blotches(luma, gen, 0.5, 2.5) + mix_in_blotches(chroma, gen, 0.5, 4.0)
        keep = 0.5 + 0.5 * float(torch.rand(1, generator=gen))
        out[i] = mixed[0] * (noise[i].std() / mixed.std().clamp_min(1e-6)) * keep
    return out


def suppress_chroma_noise(noise, gen):
    """A camera ISP's chroma noise reduction. Noise straight through the colour matrix is mostly
    chroma (chroma/luma std ratio about 2.3 here), while real cameras deliver mostly luma noise:
    measured in the flattest blocks of DND's real noisy photos (no reference needed) the ratio is
    0.5-0.9. Scales each sample's chroma noise to a random ratio in 0.5-1.4 of its luma noise."""
    luma = noise.mean(dim=1, keepdim=True)
    chroma = noise - luma
    ratio = chroma.std(dim=(1, 2, 3)) / luma.std(dim=(1, 2, 3)).clamp_min(1e-6)
    wanted = 0.5 + 0.9 * torch.rand(noise.shape[0], generator=gen)
    scale = (wanted / ratio.clamp_min(1e-6)).clamp(max=1.0)
    return luma + chroma * scale.view(-1, 1, 1, 1)


def camera_noise(clean, gen, max_shot=0.02, jpeg_probability=0.25, correlated_probability=0.0,
                 chroma_suppressed_probability=0.0):
    """Returns (noisy, target): both through the same ISP; noisy is 8-bit quantised."""
    n, _, h, w = clean.shape
    rgb_to_cam = random_rgb_to_cam(n, gen)
    cam_to_rgb = torch.linalg.inv(rgb_to_cam)
    red_gain = 1.9 + 0.5 * torch.rand(n, generator=gen)
    blue_gain = 1.5 + 0.4 * torch.rand(n, generator=gen)
    brightness = (0.8 + 0.1 * torch.randn(n, generator=gen)).clamp(0.5, 1.1)
    gains = torch.stack([red_gain, torch.ones(n), blue_gain], dim=1).view(n, 3, 1, 1) * brightness.view(n, 1, 1, 1)

    linear = inverse_smoothstep(clean).clamp(1e-8, 1) ** 2.2
    cam = torch.einsum("nij,njhw->nihw", rgb_to_cam, linear)
    raw = (cam / gains).clamp(0, 1)
    masks = mosaic_masks(h, w)
    mosaic = (raw * masks).sum(dim=1, keepdim=True)

    log_shot = torch.empty(n).uniform_(math.log(1e-4), math.log(max_shot), generator=gen)
    log_read = 2.18 * log_shot + 1.20 + 0.26 * torch.randn(n, generator=gen)
    shot, read = log_shot.exp().view(n, 1, 1, 1), log_read.exp().view(n, 1, 1, 1)
    variance = mosaic * shot + read
    noisy_mosaic = mosaic + torch.randn(mosaic.shape, generator=gen) * variance.sqrt()

    def isp(m):
        planes = demosaic_bilinear(m * masks) * gains
        rgb = torch.einsum("nij,njhw->nihw", cam_to_rgb, planes).clamp(0, 1)
        return smoothstep(rgb.clamp(1e-8, 1) ** (1 / 2.2))

    target = isp(mosaic)
    noisy = isp(noisy_mosaic.clamp(0, 1))
    suppressed = torch.rand(n, generator=gen) < chroma_suppressed_probability
    if bool(suppressed.any()):
        noisy[suppressed] = target[suppressed] + suppress_chroma_noise(noisy[suppressed] - target[suppressed], gen)
    correlated = torch.rand(n, generator=gen) < correlated_probability
    if bool(correlated.any()):
        noise = noisy[correlated] - target[correlated]
        noisy[correlated] = target[correlated] + correlate_noise(noise, gen)
    noisy = quantize(noisy.clamp(0, 1))
    qualities = [int(torch.randint(50, 96, (1,), generator=gen)) if float(torch.rand(1, generator=gen)) < jpeg_probability else 0
                 for _ in range(n)]
    return jpeg_round_trip(noisy, qualities), target


def awgn(clean, gen, max_sigma=55.0, zero_probability=0.1):
    """Returns (noisy, sigma [N] on the 0-1 scale); noisy is clipped and 8-bit quantised."""
    n = clean.shape[0]
    sigma = torch.rand(n, generator=gen) * max_sigma / 255.0
    sigma[torch.rand(n, generator=gen) < zero_probability] = 0.0
    noisy = quantize(clean + torch.randn(clean.shape, generator=gen) * sigma.view(n, 1, 1, 1))
    return noisy, sigma


def structured_noise(clean, gen, max_sigma=50.0):
    """Gaussian noise of random spatial correlation, cross-channel correlation and signal
    dependence: a broad prior over what unknown cameras deliver. The camera simulation above has
    one ISP's noise pattern; the estimator learnt that pattern and read real phone noise (SIDD,
    spatially whiter and more correlated across channels) at 0.55 of its level, and downscaled
    simulated noise at 1.5 times. Returns (noisy, clean); noisy is clipped and 8-bit quantised."""
    n, _, h, w = clean.shape
    noise = torch.randn(clean.shape, generator=gen)
    for i in range(n):
        noise[i] = mix_in_blotches(noise[i:i + 1], gen, 0.4, 1.5)[0]
    # Channel mixing from independent (c = 0) to nearly pure luma noise (c = 0.9), unequal gains.
    c = 0.9 * torch.rand(n, 1, 1, generator=gen)
    mixing = (1 - c) * torch.eye(3) + c * torch.full((3, 3), 1.0 / 3.0)
    mixing = mixing * torch.exp(0.6 * torch.rand(n, 3, 1, generator=gen) - 0.3)
    noise = torch.einsum("nij,njhw->nihw", mixing, noise)
    noise = noise / noise.std(dim=(1, 2, 3), keepdim=True).clamp_min(1e-6)
    # Signal dependence: from flat (shot share 0) to mostly shot noise on the luminance.
    shot_share = torch.rand(n, 1, 1, 1, generator=gen)
    luminance = clean.mean(dim=1, keepdim=True)
    amplitude = (shot_share * luminance + (1 - shot_share) * 0.25).sqrt()
    amplitude = amplitude / amplitude.pow(2).mean(dim=(1, 2, 3), keepdim=True).sqrt().clamp_min(1e-6)
    sigma = torch.rand(n, 1, 1, 1, generator=gen) * max_sigma / 255.0
    return quantize((clean + noise * amplitude * sigma).clamp(0, 1)), clean


def local_noise_level(noisy, target, block=8):
    """Measured noise std per block, the estimator's target for camera noise ([N,1,H/8,W/8])."""
    energy = ((noisy - target) ** 2).mean(dim=1, keepdim=True)
    pooled = F.avg_pool2d(energy, block)
    smoothed = F.avg_pool2d(F.pad(pooled, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    return smoothed.sqrt()


def flat_noisy(n, size, gen, max_sigma=30.0):
    """Flat colours (a faint gradient across the crop) with white noise blurred by a random
    3-tap kernel (0.25, 0.5, 0.25 at most: a camera's demosaicked noise has little energy at
    the Nyquist frequency). Where the scene is flat the right output is known at any told noise
    level, so these teach the denoiser to leave no bias that depends on the position in the 2x2
    cell it works on (a 2x2 pattern) when a user's strength tells it more noise than there is.
    Returns (noisy, clean); noisy is clipped and 8-bit quantised."""
    ramp = torch.linspace(-1.0, 1.0, size)
    gradient = (0.05 * (2 * torch.rand(n, 3, 1, 1, generator=gen) - 1)) * ramp.view(1, 1, 1, size)
    clean = (0.05 + 0.9 * torch.rand(n, 3, 1, 1, generator=gen) + gradient).expand(n, 3, size, size)
    noise = torch.randn(n, 3, size, size, generator=gen)
    tap = 0.25 * torch.rand(n, 1, 1, 1, generator=gen)
    for dim in (2, 3):
        noise = tap * noise.roll(1, dim) + (1 - 2 * tap) * noise + tap * noise.roll(-1, dim)
    sigma = torch.rand(n, 1, 1, 1, generator=gen) * max_sigma / 255.0
    return quantize(clean + noise * sigma), clean.contiguous()

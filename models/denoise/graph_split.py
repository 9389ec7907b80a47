"""How much of the exported network's time is convolution: the whole frozen graph against its
convolutions (with their ReLUs) alone on the same tensor sizes, alternated in one process, in the
precision libneuralisp picks (bfloat16 where native). Everything else (casts, the level map's
join, the skips' upsampling and additions, the residual, the estimator's pooling) is "other work".

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296 \\
        /usr/bin/python3 models/denoise/graph_split.py fast 720 1280

(The malloc settings keep a bare Python process from re-faulting its intermediates every frame,
which libneuralisp's tensor pool avoids by itself.)
"""
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import net  # noqa: E402


class Convolutions(nn.Module):
    """Every convolution of net.Denoiser, on inputs of the sizes it sees, and nothing else."""

    def __init__(self, model: net.Denoiser):
        super().__init__()
        self.m = model

    def forward(self, joined: torch.Tensor, half: torch.Tensor):
        m = self.m
        x1 = m.enc1(F.relu(m.head(joined)))
        x2 = m.enc2(F.relu(m.down1(x1)))
        x3 = m.bottom(F.relu(m.down2(x2)))
        return m.tail(m.dec1(x1)), m.up1(m.dec2(x2)), m.up2(x3), m.estimator.body(half)


def median_ms(times):
    times = sorted(times)
    return times[len(times) // 2] * 1e3


def main():
    name, height, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(os.cpu_count())
    dtype = torch.bfloat16
    channels_last = torch.channels_last
    whole = torch.jit.load(os.path.join(HERE, f"denoise-{name}.pt")).eval()
    whole.to(dtype)
    for p in whole.parameters():
        if p.dim() == 4:
            p.data = p.data.contiguous(memory_format=channels_last)
    whole = torch.jit.freeze(whole)
    model = net.build(name)
    model.load_state_dict(torch.load(os.path.join(HERE, "checkpoints", f"{name}.pt"), map_location="cpu")["model"])
    convs = torch.jit.freeze(torch.jit.script(Convolutions(model).to(dtype).to(memory_format=channels_last).eval()))

    half = (torch.rand(1, 12, height // 2, width // 2) * 0.5 + 0.25).contiguous(memory_format=channels_last)
    joined = torch.rand(1, 16, height // 2, width // 2).to(dtype).contiguous(memory_format=channels_last)
    level, strength = torch.full((1, 1, 1, 1), -1.0), torch.ones(1, 1, 1, 1)
    whole_times, conv_times = [], []
    with torch.inference_mode():
        for _ in range(5):
            whole(half, level, strength)
            convs(joined, half.to(dtype))
        for _ in range(40):
            t = time.perf_counter()
            whole(half, level, strength)
            whole_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            convs(joined, half.to(dtype))
            conv_times.append(time.perf_counter() - t)
    w, c = median_ms(whole_times), median_ms(conv_times)
    print(f"{name} {width}x{height} bf16: whole network {w:.2f} ms, its convolutions alone {c:.2f} ms, "
          f"other work {100 * (1 - c / w):.0f}%")


if __name__ == "__main__":
    main()

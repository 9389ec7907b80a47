"""Writing a neuralisp model file: the module scripted but not frozen, with float32 weights (the
library casts and freezes it for the precision it runs in), and the metadata record it checks."""
import copy

import torch


def save(model: torch.nn.Module, path: str, metadata: str) -> None:
    scripted = torch.jit.script(copy.deepcopy(model).float().eval())
    torch.jit.save(scripted, path, _extra_files={"neuralisp.meta": metadata})

"""What every task's train.py shares: the common arguments, resuming from a checkpoint, the
learning-rate schedule over a wall-clock budget, and the checkpoint (with an export) written at
every evaluation, so that training continues across sessions."""
import json
import math
import os
import time

import torch

from photos import DEBIAN_PHOTOS


def add_common_arguments(parser, models, crop, lr):
    parser.add_argument("--model", choices=sorted(models), required=True)
    parser.add_argument("--minutes", type=float, default=120, help="wall-clock budget of this schedule")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", default=os.environ.get("NEURALISP_DATASETS", "../shared/datasets"))
    parser.add_argument("--out", required=True, help="folder of the checkpoint, the export and nothing else")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=crop)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--eval-minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--photos", nargs="*", default=DEBIAN_PHOTOS,
                        help="glob patterns of more clean photos to train on (default: photos.DEBIAN_PHOTOS)")
    parser.add_argument("--init", help="checkpoint to start from when --out has none")
    parser.add_argument("--new-schedule", action="store_true",
                        help="with --init: keep weights and optimiser, restart the time budget")
    parser.add_argument("--grow", action="store_true",
                        help="with --init of a smaller network: the square 3x3 convolutions it lacks "
                             "start as the identity and its wider layers keep its weights in their first "
                             "channels (widen_from), so training starts from its function")


def start_as_identity(conv):
    """A square 3x3 convolution that passes its input through. conv_stack follows it with a ReLU:
    after another ReLU that is still the identity; after a sum (a decoder's first convolution,
    on the skip plus the upsampled path) it clips the sum's negative part, so the grown network
    starts close to the smaller one's function, not exactly on it."""
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.zero_()
        for c in range(conv.in_channels):
            conv.weight[c, c, 1, 1] = 1.0


def widen_from(parameter, saved):
    """Loads a smaller network's parameter into the first channels of a wider one so that the
    wider network computes the same function: the saved values fill the leading slice of every
    dimension, and the old output channels read nothing from the new input channels (zero
    weights). The new output channels keep their random initialisation; what reads them starts at
    zero, so they join the function as training moves those weights."""
    with torch.no_grad():
        parameter[tuple(slice(0, n) for n in saved.shape)] = saved
        if parameter.dim() == 4:
            parameter[:saved.shape[0], saved.shape[1]:] = 0.0


def load_matching(model, saved_state):
    """Loads the saved parameters whose names and shapes match; returns the names of the rest."""
    own = model.state_dict()
    matching = {k: v for k, v in saved_state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(matching, strict=False)
    return sorted(k for k in own if k not in matching)


class Run:
    """A time-budgeted run: resumes from --out's checkpoint (or --init), sets a cosine learning
    rate over the budget, and saves a checkpoint and an export at every evaluation."""

    def __init__(self, args, model, optimizer, config, export):
        self.args, self.model, self.optimizer, self.config, self.export = args, model, optimizer, config, export
        os.makedirs(args.out, exist_ok=True)
        self.checkpoint_path = os.path.join(args.out, "checkpoint.pt")
        self.state = {"step": 0, "elapsed": 0.0, "history": []}
        resume_from = self.checkpoint_path if os.path.exists(self.checkpoint_path) else args.init
        if resume_from:
            saved = torch.load(resume_from)
            fresh = load_matching(model, saved["model"])
            if fresh:
                print(f"new parameters (not in {resume_from}): {', '.join(fresh)}", flush=True)
            if args.grow and resume_from == args.init:
                own = model.state_dict()  # shares storage with the parameters
                widened = [name for name in fresh if name in saved["model"]
                           and saved["model"][name].dim() == own[name].dim()
                           and all(s <= o for s, o in zip(saved["model"][name].shape, own[name].shape))]
                for name in widened:
                    widen_from(own[name], saved["model"][name])
                for name, module in model.named_modules():
                    if (f"{name}.weight" in fresh and f"{name}.weight" not in widened and isinstance(module, torch.nn.Conv2d)
                            and module.in_channels == module.out_channels and module.kernel_size == (3, 3)):
                        start_as_identity(module)
            # Adam's moments only fit the parameters they were saved for.
            same_parameters = ([len(g["params"]) for g in saved["optimizer"]["param_groups"]] ==
                               [len(g["params"]) for g in optimizer.param_groups])
            if not fresh and same_parameters:
                # Loading restores each group's saved options; its learning-rate share is this
                # run's.
                scales = [group.get("lr_scale", 1.0) for group in optimizer.param_groups]
                optimizer.load_state_dict(saved["optimizer"])
                for group, scale in zip(optimizer.param_groups, scales):
                    group["lr_scale"] = scale
            self.state = saved["state"]
            if args.new_schedule and resume_from == args.init:
                self.state["elapsed"] = 0.0
                self.state["schedule_start_step"] = self.state["step"]
            print(f"resumed from {resume_from} at step {self.state['step']}, "
                  f"{self.state['elapsed'] / 60:.1f} min into the budget", flush=True)
        self.budget = args.minutes * 60
        self.start = time.time() - self.state["elapsed"]
        self.next_eval = self.state["elapsed"] + args.eval_minutes * 60
        self.lr = args.lr

    @property
    def step(self):
        return self.state["step"]

    def elapsed(self):
        return time.time() - self.start

    def begin_step(self):
        """Sets this step's learning rate: cosine from --lr down to 2% of it over the budget (times
        a parameter group's `lr_scale`, where it has one)."""
        progress = min(self.elapsed() / self.budget, 1.0)
        self.lr = self.args.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr * group.get("lr_scale", 1.0)

    def end_step(self):
        """Counts the step; True when an evaluation is due."""
        self.state["step"] += 1
        elapsed = self.elapsed()
        return elapsed >= self.next_eval or elapsed >= self.budget

    def checkpoint(self, record):
        """Logs `record` (with step, minutes and learning rate), saves the checkpoint and the
        export; True when the budget is spent."""
        elapsed = self.elapsed()
        self.state["elapsed"] = elapsed
        record = dict(step=self.state["step"], minutes=round(elapsed / 60, 1), lr=self.lr, **record)
        self.state["history"].append(record)
        print(json.dumps(record), flush=True)
        torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                    "state": self.state, "config": self.config, "seed": self.args.seed},
                   self.checkpoint_path + ".tmp")
        os.replace(self.checkpoint_path + ".tmp", self.checkpoint_path)
        self.export()
        self.next_eval = elapsed + self.args.eval_minutes * 60
        return elapsed >= self.budget

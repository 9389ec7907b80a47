#!/usr/bin/python3
"""Runs examples/control.py (Python through GObject introspection): it must play to the end, post
statistics, and a strength set while playing must reach the frames after it."""
import re
import subprocess
import sys

example = sys.argv[1]
run = subprocess.run(["/usr/bin/python3", example, "--seconds", "3", "--strength", "2.5"],
                     capture_output=True, text=True, timeout=120)
print(run.stdout, run.stderr, sep="\n")
lines = run.stdout.splitlines()
assert run.returncode == 0, f"exit {run.returncode}"
assert "strength set to 2.5" in lines, "the property was not moved"
after = lines[lines.index("strength set to 2.5") + 1:]
strengths = [float(m.group(1)) for line in after if (m := re.search(r"strength (\d+\.\d+)", line))]
assert strengths and strengths[-1] == 2.5, f"statistics after the change: {after}"
assert any(line.startswith("ispdenoise-stats: frames") for line in lines[:lines.index("strength set to 2.5")]), \
    "no statistics before the change"
print("1 passed, 0 failed")

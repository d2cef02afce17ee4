"""The benchmark commands docs/performance.md quotes still run (at toy sizes: this checks the
commands, not their figures).  Two of them had broken silently when the code they call moved on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, tmp_path: Path) -> str:
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONWARNINGS="ignore")
    env.pop("PRICING_DATABASE_URL", None)
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize(("command", "expected"), [
    (["benchmarks/engine.py", "--bills", "20"], "lines/s"),
    (["benchmarks/upload.py", "--rows", "120", "--format", "csv"], "0 errors"),
    (["benchmarks/upload.py", "--rows", "120"], "0 errors"),
    (["benchmarks/lookup.py", "-n", "20"], "search (q=…)"),
    (["benchmarks/asgi_profile.py", "--requests", "20", "--rounds", "2"], "3101 / minimal-3101"),
    (["benchmarks/batch.py", "--lines", "3000", "--engines", "duckdb,python", "--python-lines", "3000",
      "--impact-lines", "3000"], "impact of a draft"),
])
def test_a_benchmark_command_runs(command, expected, tmp_path):
    assert expected in run(*command, tmp_path=tmp_path)

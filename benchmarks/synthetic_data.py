"""The SYNTHETIC GED generator for the benchmarks (run as ``python benchmarks/NAME.py``).

It lives in ``synthetic/`` at the repository root, outside the installed package; this module
puts the root on ``sys.path`` once and re-exports what the benchmarks use.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from synthetic import write_revised_copy, write_synthetic_ged  # noqa: E402

__all__ = ["write_revised_copy", "write_synthetic_ged"]

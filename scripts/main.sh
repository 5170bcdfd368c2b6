#!/usr/bin/env bash
# The main job on a fresh machine: install SahelWatch into .venv, build the store from the
# bundled real data and show what it holds. Pass --db PATH to use another store file.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/sahelwatch run "$@"

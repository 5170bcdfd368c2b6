#!/usr/bin/env bash
# Install SahelWatch with its test tools (and the Debian packages they need) into .venv, lint,
# type-check, check the dashboard's JavaScript (npm packages in node_modules), and run the
# whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system_packages.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# Every extra, and the test and development tools (pyproject.toml's dependency groups).
.venv/bin/python -m pip install --quiet -e '.[all]' --group dev
.venv/bin/ruff check src synthetic tests benchmarks scripts
.venv/bin/python -m mypy
# the dashboard's ES modules: ESLint, TypeScript on their JSDoc types, node's test runner
npm ci --no-audit --no-fund --loglevel=error >/dev/null  # its errors still reach stderr
npm run --silent lint
npm run --silent typecheck
npm run --silent test:js
# Two workers (pytest-xdist), a test file to a worker so that its module fixtures are built once;
# the files with the most slow tests go first (conftest.py), so that both workers end together.
exec .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder "$@"

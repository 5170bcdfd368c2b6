#!/usr/bin/env bash
# The main job on a fresh machine: install SahelWatch into .venv, build the store from the
# bundled real data, forecast, raise the default alerts and serve the dashboard
# (see `sahelwatch run --help`: --db PATH, --port, --no-serve, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system_packages.sh pdf || echo "warning: PDF briefs need Pango (see above)" >&2
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[all]'  # forecasts, dashboard, briefs
exec .venv/bin/sahelwatch run "$@"

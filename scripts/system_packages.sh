#!/usr/bin/env bash
# Debian packages SahelWatch needs beyond Python: Pango and HarfBuzz for PDF briefs (WeasyPrint)
# and, for the test suite, Chromium for the dashboard's browser tests and Node.js with npm for
# its JavaScript checks (unless node and npm are already on the PATH). Installs only what is
# missing; needs root or sudo. Other scripts name their own packages (lake_ci.sh: postgresql).
#   Usage: bash scripts/system_packages.sh [pdf|all|PACKAGE...]   (default all)
set -euo pipefail
PACKAGES=(fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1)
if [ $# -gt 0 ] && [ "$1" != pdf ] && [ "$1" != all ]; then
  PACKAGES=("$@")
elif [ "${1:-all}" != "pdf" ]; then
  PACKAGES+=(chromium)
  command -v node >/dev/null || PACKAGES+=(nodejs)
  command -v npm >/dev/null || PACKAGES+=(npm)
fi
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "error: install these Debian packages (or their equivalents) first: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${missing[*]} ..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null

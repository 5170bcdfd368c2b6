#!/usr/bin/env bash
# Reproduce the vendored JavaScript of the dashboard (src/sahelwatch/web/static/vendor/).
#
# The dashboard loads nothing from a CDN: its map (Leaflet + Leaflet.markercluster) and chart
# (uPlot) libraries are committed as minified dist files with their licences. This script
# fetches the pinned versions from the npm registry with `npm pack` into a temporary directory,
# checks their integrity against the registry, and copies the dist files and licences in place.
#
#   bash scripts/vendor_js.sh            # needs node/npm and access to registry.npmjs.org
set -euo pipefail

LEAFLET=1.9.4
MARKERCLUSTER=1.5.3
UPLOT=1.6.32

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/src/sahelwatch/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME VERSION -> unpacked into $work/NAME
    local name="$1" version="$2"
    (cd "$work" && npm pack --silent --json "$name@$version" > "$name.json")
    local tarball
    tarball="$(cd "$work" && ls -t -- *.tgz | head -n 1)"
    mkdir -p "$work/$name"
    tar -xzf "$work/$tarball" -C "$work/$name" --strip-components=1
    rm -f "$work/$tarball"
    local integrity
    integrity="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["integrity"])' \
        "$work/$name.json")"
    echo "$name@$version $integrity" >> "$work/VERSIONS"
}

fetch leaflet "$LEAFLET"
fetch leaflet.markercluster "$MARKERCLUSTER"
fetch uplot "$UPLOT"

rm -rf "$dest"
mkdir -p "$dest/leaflet/images" "$dest/markercluster" "$dest/uplot"

cp "$work/leaflet/dist/leaflet.js" "$work/leaflet/dist/leaflet.css" "$dest/leaflet/"
cp "$work/leaflet/dist/images/"*.png "$dest/leaflet/images/"
cp "$work/leaflet/LICENSE" "$dest/leaflet/LICENSE"

cp "$work/leaflet.markercluster/dist/leaflet.markercluster.js" \
   "$work/leaflet.markercluster/dist/MarkerCluster.css" \
   "$work/leaflet.markercluster/dist/MarkerCluster.Default.css" "$dest/markercluster/"
cp "$work/leaflet.markercluster/MIT-LICENCE.txt" "$dest/markercluster/LICENSE"

cp "$work/uplot/dist/uPlot.iife.min.js" "$work/uplot/dist/uPlot.min.css" "$dest/uplot/"
cp "$work/uplot/LICENSE" "$dest/uplot/LICENSE"

{
    echo "# Vendored by scripts/vendor_js.sh from the npm registry (name@version integrity)."
    sort "$work/VERSIONS"
} > "$dest/VERSIONS.txt"

find "$dest" -type f -exec chmod 644 {} +
du -sh "$dest"
echo "vendored into $dest"

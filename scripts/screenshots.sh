#!/usr/bin/env bash
# Screenshots of the demo site in headless Chromium (Debian's `chromium`), light and dark,
# for looking at the pages as a reviewer would:
#   scripts/screenshots.sh [OUT_DIR]     (default: target/screenshots)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/target/screenshots}
site=$(mktemp -d)/site
mkdir -p "$out"
cargo run --quiet --release --manifest-path "$here/Cargo.toml" -- build --root "$here" --output "$site"
shot() { # name path width height [extra flags]
  local name=$1 path=$2 w=$3 h=$4; shift 4
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
    --window-size="$w,$h" --screenshot="$out/$name.png" "$@" "file://$site/$path" 2>/dev/null
  echo "$out/$name.png"
}
for mode in light dark; do
  flags=()
  [ "$mode" = dark ] && flags=(--blink-settings=preferredColorScheme=0)
  shot "dashboard-$mode" index.html 1280 2600 "${flags[@]}"
  shot "account-en-$mode" accounts/nordwerk-automotive/index.html 1280 3200 "${flags[@]}"
  shot "account-zh-$mode" accounts/huadong-precision/index.html 1280 3200 "${flags[@]}"
done
shot "accounts-index" accounts/index.html 1280 1200
shot "review-zh" accounts/huadong-precision/reviews/2026-11-06-q3-business-review/index.html 1280 1600 || true

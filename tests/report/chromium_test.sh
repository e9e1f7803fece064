#!/usr/bin/env bash
# Loads a report's index.html in headless Chromium and checks that it renders with every
# image loaded (complete, naturalWidth > 0).
#
#   usage: chromium_test.sh PLUGBENCH_EXE FIXTURE.json
#
# Renders the report of the fixed results file, copies index.html to a test-only page with
# a small script that, on load, writes the count of images and of broken ones into an
# attribute of <body>, and reads it back from Chromium's --dump-dom. The report itself has
# no script. Exits 77 (skipped) without chromium (Debian: apt-get install chromium).
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 PLUGBENCH_EXE FIXTURE.json" >&2
    exit 2
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "SKIP: chromium not installed (Debian: apt-get install chromium)"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/plugbench-chromium.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

if ! "$1" report "$2" -o "$T/report" >"$T/report.out" 2>&1; then
    echo "not ok - plugbench report failed:"
    sed 's/^/#   /' "$T/report.out"
    exit 1
fi
want=$(grep -o '<img ' "$T/report/index.html" | wc -l)
sed 's|</body>|<script>\
window.addEventListener("load", function () {\
  var imgs = document.images, bad = [];\
  for (var i = 0; i < imgs.length; i++)\
    if (!imgs[i].complete \|\| imgs[i].naturalWidth === 0) bad.push(imgs[i].getAttribute("src"));\
  document.body.setAttribute("data-images", imgs.length + " images, " + bad.length + " broken:" + bad.join(" "));\
});\
</script>\
</body>|' "$T/report/index.html" >"$T/report/index-check.html"

# No network, no profile, no GPU: only the local files load.
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --user-data-dir="$T/profile" --virtual-time-budget=10000 \
    --dump-dom "file://$T/report/index-check.html" >"$T/dom.html" 2>"$T/chromium.err"
rc=$?
result=$(grep -o 'data-images="[^"]*"' "$T/dom.html")
if [ "$rc" -eq 0 ] && [ "$result" = "data-images=\"$want images, 0 broken:\"" ] && [ "$want" -gt 0 ]; then
    echo "ok - index.html renders in headless Chromium with all $want images loaded"
    exit 0
fi
echo "not ok - index.html in headless Chromium: want $want images, 0 broken"
echo "#   chromium exit $rc; result: ${result:-none}"
grep -v 'dbus\|DBus' "$T/chromium.err" | head -5 | sed 's/^/#   /'
exit 1

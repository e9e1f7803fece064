#!/usr/bin/env bash
# Installs the build into a scratch DESTDIR, builds docs/example_plugin.c out of tree with
# `pkg-config plugbench` alone (with PKG_CONFIG_SYSROOT_DIR, whose prefix pkg-config also
# puts on the plugindir variable), and runs it with the installed plugbench. Also checks that
# the README shows that example verbatim, and that every built plugin exports one symbol.
set -u
build=$1 source=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; failed=1; }

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 \
  && ok "meson install" || { notok "meson install"; cat "$tmp/install.log"; exit 1; }
pc=$(find "$tmp/root" -name plugbench.pc | head -n 1)
[ -n "$pc" ] && ok "plugbench.pc installed" || { notok "plugbench.pc installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$tmp/root
plugindir=$(pkg-config --variable=plugindir plugbench)
[ -f "$plugindir/random-search.so" ] && ok "plugins installed in \${plugindir}" \
  || notok "random-search.so in $plugindir"
for h in plugin.h blackbox.h rng.h; do
  [ -n "$(find "$tmp/root" -path "*/include/plugbench/$h")" ] || notok "header $h installed"
done

# The out-of-tree build a plugin author runs, with only the installed files.
cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
  $(pkg-config --cflags plugbench) -o "$tmp/local-search.so" "$source/docs/example_plugin.c" \
  $(pkg-config --libs plugbench) && ok "example plugin builds out of tree" \
  || notok "example plugin builds out of tree"
exe=$(find "$tmp/root" -path '*/bin/plugbench')
libdir=$(dirname "$(find "$tmp/root" -name 'libplugbench.so*' | head -n 1)")
LD_LIBRARY_PATH=$libdir "$exe" run -a "$tmp/local-search.so" -a random-search --plugin-dir "$plugindir" \
  -p sphere-d3-i1 -s 1-2 --max-evals 300 -o "$tmp/out/results.json" --no-plots -q >"$tmp/run.log" 2>&1 \
  && ok "installed plugbench runs it" || { notok "installed plugbench runs it"; cat "$tmp/run.log"; }
[ "$(grep -c '"status":[[:space:]]*"ok"' "$tmp/out/results.json" 2>/dev/null)" = 4 ] \
  && ok "4 runs ok" || notok "4 runs ok"
LD_LIBRARY_PATH=$libdir "$exe" check "$tmp/local-search.so" >"$tmp/check.log" 2>&1 \
  && ok "example conforms" || { notok "example conforms"; cat "$tmp/check.log"; }

# The README's example is the file, verbatim.
awk '/^```c$/ {on = 1; next} /^```$/ {on = 0} on' "$source/README.md" >"$tmp/readme.c"
grep -qF "$(head -n 3 "$source/docs/example_plugin.c")" "$tmp/readme.c" \
  && diff <(awk '/A complete plugin/,/PB_PLUGIN_ENTRY/' "$tmp/readme.c") "$source/docs/example_plugin.c" >/dev/null \
  && ok "README shows docs/example_plugin.c" || notok "README shows docs/example_plugin.c verbatim"

# Hidden visibility: each plugin exports its entry and nothing else.
for so in $(find "$build/plugins" "$tmp" -name '*.so' -path '*' ! -path '*/root/*'); do
  syms=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^_' | sort | tr '\n' ' ')
  [ "$syms" = "pb_plugin_entry " ] && ok "$(basename "$so") exports only pb_plugin_entry" \
    || notok "$(basename "$so") exports: $syms"
done
exit $failed

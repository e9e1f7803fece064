#!/usr/bin/env bash
# The installed tree as a user gets it. Installs the build into a scratch DESTDIR, then moves
# the installed prefix to a temporary prefix of its own: the tree must work wherever it is,
# with no environment variable (plugbench finds libplugbench through an $ORIGIN-relative
# rpath, its plugins and data sets relative to itself, and plugbench.pc is relocatable).
# With a clean environment (env -i PATH=/usr/bin:/bin) the installed plugbench lists its
# plugins, runs one, runs on a data set (and reads the installed copy), and runs, checks and
# lists the README's example plugin, built out of tree with `pkg-config plugbench` alone
# (PKG_CONFIG_PATH, for that build only) and installed into its ${plugindir}. Also checks
# that a fresh setup installs into PREFIX/lib (the layout the README gives), that the README
# shows that example verbatim, and that every built plugin exports one symbol.
set -u
build=$1 source=$2
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
failed=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; [ $# -lt 2 ] || echo "#   $2"; failed=1; }
# option DIR|meson.build NAME: a build's option, or the default a fresh setup would take.
option() { meson introspect "$1" --buildoptions 2>/dev/null | jq -r ".[] | select(.name == \"$2\") | .value"; }
clean() { env -i PATH=/usr/bin:/bin "$@"; }
# The installed plugbench, with a clean environment; through $PLUGBENCH_TEST_WRAPPER when that
# names a command to run it with (bench/reliability's memcheck part: under valgrind).
installed() { clean ${PLUGBENCH_TEST_WRAPPER:+"$PLUGBENCH_TEST_WRAPPER"} "$exe" "$@"; }

[ "$(cd "$source" && option meson.build libdir)" = lib ] \
  && ok "a fresh setup installs libraries, plugins and plugbench.pc under PREFIX/lib" \
  || notok "a fresh setup's libdir is lib, not $(cd "$source" && option meson.build libdir)"
configured=$(option "$build" prefix)
libdir=$(option "$build" libdir) datadir=$(option "$build" datadir) bindir=$(option "$build" bindir)
meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 \
  && ok "meson install" || { notok "meson install"; cat "$tmp/install.log"; exit 1; }
mv "$tmp/root$configured" "$tmp/prefix" && [ -z "$(find "$tmp/root" -type f)" ] \
  && ok "the whole tree is under the prefix; moved from $configured to $tmp/prefix" \
  || notok "the installed tree is not all under $configured"
prefix=$(realpath "$tmp/prefix") # as plugbench names its files
exe=$prefix/$bindir/plugbench
plugindir=$prefix/$libdir/plugbench/plugins
datasets=$prefix/$datadir/plugbench/datasets
for f in "$exe" "$prefix/$libdir/pkgconfig/plugbench.pc" "$plugindir/random-search.so" \
    "$datasets/breast_cancer/train.csv" "$prefix/include/plugbench/plugin.h" \
    "$prefix/include/plugbench/blackbox.h" "$prefix/include/plugbench/rng.h"; do
  [ -f "$f" ] || notok "installed: ${f#"$prefix"/}"
done

# The installed plugbench, no environment: its plugins, a run, a data set.
installed list >"$tmp/list.out" 2>"$tmp/list.err"
n_so=$(find "$plugindir" -name '*.so' | wc -l)
grep -q "^plugins ($n_so):" "$tmp/list.out" && grep -Eq '^ +random-search ' "$tmp/list.out" \
  && [ ! -s "$tmp/list.err" ] \
  && ok "installed plugbench lists its $n_so installed plugins" \
  || { notok "installed plugbench lists its $n_so installed plugins"; head -n 5 "$tmp/list.out" "$tmp/list.err"; }
installed run -a random-search -p sphere-d3-i1 -s 1-2 --max-evals 300 -o "$tmp/rs.json" \
  --no-plots -q >"$tmp/rs.log" 2>&1 \
  && [ "$(jq '[.runs[] | select(.status == "ok" and .plugin.path == "'"$plugindir"'/random-search.so")] | length' "$tmp/rs.json")" = 2 ] \
  && ok "installed plugbench runs its installed random-search" \
  || { notok "installed plugbench runs its installed random-search"; cat "$tmp/rs.log"; }
# The installed suites, found relative to the executable with no environment.
installed reproduce --list >"$tmp/suites.out" 2>"$tmp/suites.err" \
  && grep -q "suites in $prefix/$datadir/plugbench/suites)" "$tmp/suites.out" \
  && grep -Eq '^cbo-paper +cbo ' "$tmp/suites.out" \
  && ok "installed plugbench lists its installed reproduction suites" \
  || { notok "installed plugbench lists its installed reproduction suites"; cat "$tmp/suites.out" "$tmp/suites.err"; }
data_run() {
  installed run -a sgd -p logreg-breast-cancer -s 1 --max-evals 2000 -o "$tmp/$1.json" \
    --no-plots -q >"$tmp/$1.log" 2>&1
}
data_run sgd && [ "$(jq -r '.runs[0].status' "$tmp/sgd.json")" = ok ] \
  && ok "installed plugbench runs sgd on its installed data set" \
  || { notok "installed plugbench runs sgd on its installed data set"; cat "$tmp/sgd.log"; }
# With the installed copy broken the run must fail, naming it: the source tree's copy, which
# is intact, is not the one read.
train=$datasets/breast_cancer/train.csv
mv "$train" "$tmp/train.csv" && printf 'a,label\nnot-a-number,1\n' >"$train"
data_run broken
grep -qF "$train" "$tmp/broken.log" "$tmp/broken.json" 2>/dev/null \
  && ok "the data set read is the installed one (a broken installed copy is named)" \
  || { notok "the data set read is the installed one (a broken installed copy is named)"; cat "$tmp/broken.log"; }
mv "$tmp/train.csv" "$train"

# The out-of-tree build a plugin author runs, with only the installed files.
[ "$(option "$build" pkgconfig.relocatable)" = true ] || notok "plugbench.pc is relocatable" \
  "(this build directory was set up before that became the default: meson configure $build -Dpkgconfig.relocatable=true -Dlibdir=lib)"
pc() { env -i PATH=/usr/bin:/bin PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig" pkg-config "$@"; }
[ "$(realpath "$(pc --variable=plugindir plugbench)")" = "$plugindir" ] \
  && ok "pkg-config --variable=plugindir: the moved tree's plugin directory" \
  || notok "pkg-config --variable=plugindir: $(pc --variable=plugindir plugbench), not $plugindir"
clean cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
  $(pc --cflags plugbench) -o "$tmp/local-search.so" "$source/docs/example_plugin.c" \
  $(pc --libs plugbench) && ok "example plugin builds out of tree" \
  || notok "example plugin builds out of tree"
installed run -a "$tmp/local-search.so" -a random-search -p sphere-d3-i1 -s 1-2 --max-evals 300 \
  -o "$tmp/out/results.json" --no-plots -q >"$tmp/run.log" 2>&1 \
  && ok "installed plugbench runs it" || { notok "installed plugbench runs it"; cat "$tmp/run.log"; }
[ "$(grep -c '"status":[[:space:]]*"ok"' "$tmp/out/results.json" 2>/dev/null)" = 4 ] \
  && ok "4 runs ok" || notok "4 runs ok"
installed check "$tmp/local-search.so" >"$tmp/check.log" 2>&1 \
  && ok "example conforms" || { notok "example conforms"; cat "$tmp/check.log"; }
cp "$tmp/local-search.so" "$(pc --variable=plugindir plugbench)" \
  && installed describe local-search >"$tmp/describe.out" 2>&1 \
  && grep -q "^file: *$plugindir/local-search.so$" "$tmp/describe.out" \
  && ok "copied into \${plugindir}, it is found by name" \
  || { notok "copied into \${plugindir}, it is found by name"; cat "$tmp/describe.out"; }

# The README's example is the file, verbatim.
awk '/^```c$/ {on = 1; next} /^```$/ {on = 0} on' "$source/README.md" >"$tmp/readme.c"
grep -qF "$(head -n 3 "$source/docs/example_plugin.c")" "$tmp/readme.c" \
  && diff <(awk '/A complete plugin/,/PB_PLUGIN_ENTRY/' "$tmp/readme.c") "$source/docs/example_plugin.c" >/dev/null \
  && ok "README shows docs/example_plugin.c" || notok "README shows docs/example_plugin.c verbatim"

# Hidden visibility: each plugin exports its entry and nothing else.
for so in $(find "$build/plugins" "$tmp" -name '*.so' ! -path "$prefix/*"); do
  syms=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^_' | sort | tr '\n' ' ')
  [ "$syms" = "pb_plugin_entry " ] && ok "$(basename "$so") exports only pb_plugin_entry" \
    || notok "$(basename "$so") exports: $syms"
done
exit $failed

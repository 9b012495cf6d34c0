#!/bin/bash
# Runs every fuzz target over its kept corpus (test/fuzz/corpus/<target>/):
# inputs found by fuzzing, crashes fixed since, stay as regression tests.
set -eu
b=${ESXMAD_BUILD:?}
n=0
for t in "$ESXMAD_SRC"/test/fuzz/fuzz-*.c; do
  name=$(basename "$t" .c); name=${name#fuzz-}
  bin="$b/test/fuzzrun-$name"
  [ -x "$bin" ] || { echo "missing $bin"; exit 1; }
  dir="$ESXMAD_SRC/test/fuzz/corpus/$name"
  [ -d "$dir" ] || { echo "no corpus for $name"; exit 1; }
  "$bin" "$dir"
  n=$((n+1))
done
echo "$n fuzz targets replayed"
[ $n -gt 0 ]

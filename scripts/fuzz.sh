#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for FUZZTIME each (default
# 5s): the request decoders and validators, the CSV batch, the EXIF reader
# and the BPJS payload decompressor. An input that fails a target fails the
# run (go test writes it under testdata/fuzz/ for the regular tests). A run
# that fails without a failing input (the fuzzing engine itself giving up on
# an overloaded machine) is tried once more.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    for try in 1 2; do
      echo "fuzz $pkg $target ($fuzztime)"
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1; then
        break
      fi
      cat "$log"
      if grep -q "Failing input written to" "$log" || [ "$try" = 2 ]; then
        exit 1
      fi
      echo "fuzz $pkg $target: the engine failed without a failing input; once more"
    done
  done
done

#!/usr/bin/env bash
# `gavel validate`: the example is valid (exit 0, a summary), every file of
# tests/definitions is refused (exit 1) with exactly the FILE:LINE:COLUMN:
# lines its "# expect:" comments list, in that order; usage errors exit 2 and
# unreadable files 3.
set -euo pipefail

: "${GAVEL:?set GAVEL to the gavel binary}"
: "${GV_SOURCE_DIR:?set GV_SOURCE_DIR to the source tree}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run NAME EXPECTED_EXIT ARGS...: runs gavel, keeps stdout/stderr in $tmp/NAME.{out,err}
run() {
  local name=$1 want=$2 got=0
  shift 2
  "$GAVEL" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$name: gavel $* exited $got, expected $want"
    sed 's/^/  stdout: /' "$tmp/$name.out" >&2
    sed 's/^/  stderr: /' "$tmp/$name.err" >&2
    return 1
  fi
}

cd "$GV_SOURCE_DIR"
example=examples/cstd-2022-high-level-panel.yaml

# The example is valid.
if run example 0 validate "$example"; then
  grep -q "^$example: valid: \"High-level panel on .*World Summit on the Information Society.*\" (cstd25-wsis-panel), [0-9]* people, 5 agenda items, 5 guiding questions, 3 documents$" "$tmp/example.out" ||
    fail "example: unexpected summary: $(cat "$tmp/example.out")"
  [ ! -s "$tmp/example.err" ] || fail "example: unexpected stderr: $(cat "$tmp/example.err")"
fi

# Standard input, and --json.
if run stdin 0 validate - <"$example"; then
  grep -q '^<stdin>: valid: ' "$tmp/stdin.out" || fail "stdin: summary missing: $(cat "$tmp/stdin.out")"
fi
if run json 0 validate "$example" --json; then
  grep -q '^{"file": *"examples/cstd-2022-high-level-panel.yaml", *"valid": *true, *"problems": *\[\]' "$tmp/json.out" ||
    fail "json: unexpected report: $(head -c 300 "$tmp/json.out")"
  grep -q '"summary": *{[^}]*"agenda_items": *5' "$tmp/json.out" || fail "json: no summary"
  grep -q '"definition": *{"meeting"' "$tmp/json.out" || fail "json: no definition"
  [ "$(wc -l <"$tmp/json.out")" -eq 1 ] || fail "json: expected one line"
fi

# Every broken definition: exit 1 and exactly the expected positions, in order.
count=0
for file in tests/definitions/*.yaml; do
  name=$(basename "$file" .yaml)
  count=$((count + 1))
  run "$name" 1 validate "$file" || continue
  grep -a '^# expect: ' "$file" | sed 's/^# expect: //' >"$tmp/$name.want"
  grep -a -E "^$file:[0-9]+:[0-9]+: " "$tmp/$name.err" | sed "s|^$file:||" >"$tmp/$name.got" || true
  # positions must match one for one, in order
  if ! diff <(cut -d: -f1-2 "$tmp/$name.want") <(cut -d: -f1-2 "$tmp/$name.got") >"$tmp/$name.diff"; then
    fail "$name: positions differ (want < > got):"
    sed 's/^/  /' "$tmp/$name.diff" >&2
    continue
  fi
  # and each message must contain the expected words
  paste -d '\n' "$tmp/$name.want" "$tmp/$name.got" | while IFS= read -r want && IFS= read -r got; do
    words=${want#*: }
    words=${words#*: }
    case "$got" in
    *"$words"*) ;;
    *) echo "FAIL: $name: \"$got\" does not contain \"$words\"" >&2 && exit 1 ;;
    esac
  done || failures=$((failures + 1))
  n=$(wc -l <"$tmp/$name.want")
  s=s
  [ "$n" -eq 1 ] && s=
  grep -q "^$file: $n problem$s\$" "$tmp/$name.err" || fail "$name: no \"$n problem$s\" summary line"
  [ ! -s "$tmp/$name.out" ] || fail "$name: an invalid file printed to stdout: $(cat "$tmp/$name.out")"
done
[ "$count" -ge 9 ] || fail "only $count definitions in tests/definitions"

# Several files: the worst result wins, every file is reported.
if run several 1 validate "$example" tests/definitions/bad-timezone.yaml; then
  grep -q "^$example: valid" "$tmp/several.out" || fail "several: the valid file is not reported"
  grep -q '^tests/definitions/bad-timezone.yaml:9:13: ' "$tmp/several.err" || fail "several: the invalid file is not reported"
fi
if run unreadable 3 validate "$tmp/no-such-file.yaml" "$example"; then
  grep -q "^gavel validate: cannot open $tmp/no-such-file.yaml" "$tmp/unreadable.err" ||
    fail "unreadable: no message: $(cat "$tmp/unreadable.err")"
  grep -q "^$example: valid" "$tmp/unreadable.out" || fail "unreadable: the other file was not checked"
fi
run json-invalid 1 validate --json tests/definitions/missing-person.yaml &&
  { grep -q '"valid": *false' "$tmp/json-invalid.out" &&
    grep -q '"line": *19, *"column": *23' "$tmp/json-invalid.out" ||
    fail "json-invalid: unexpected report: $(cat "$tmp/json-invalid.out")"; }

# Usage.
run help 0 validate --help && { grep -q '^usage: gavel validate' "$tmp/help.out" || fail "help: no usage"; }
run no-file 2 validate || true
run bad-option 2 validate --strict "$example" || true
# "--" ends the options: a file named like an option.
cp "$example" "$tmp/--json"
run dashdash 0 validate -- "$tmp/--json" || true

if [ "$failures" -ne 0 ]; then
  echo "validate.sh: $failures failure(s)" >&2
  exit 1
fi
echo "validate.sh: ok ($count broken definitions checked)"

#!/usr/bin/env bash
# The scripted two-hour panel through the command line: applied as one input,
# stored, verified, and its state the same as when applied line by line.
source "$(dirname "$0")/lib.bash"
scenario="$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"

expect_exit 0 "$GAVEL" init --db whole.db --at 1648729200000
expect_exit 0 "$GAVEL" apply --db whole.db "$scenario"
expect_exit 0 "$GAVEL" verify --db whole.db
expect_contains "$out" "intact, 100 events" "verify after the scenario"

expect_exit 0 "$GAVEL" init --db lines.db --at 1648729200000
grep -v "^#" "$scenario" | while IFS= read -r line; do
  printf '%s\n' "$line" | "$GAVEL" apply --db lines.db - >/dev/null || fail "line refused: $line"
done
[ "$("$GAVEL" state --db whole.db)" = "$("$GAVEL" state --db lines.db)" ] ||
  fail "the state differs between one input and line-by-line application"
[ "$("$GAVEL" log --db whole.db --hash | tail -1 | cut -f1)" = \
  "$("$GAVEL" log --db lines.db --hash | tail -1 | cut -f1)" ] ||
  fail "the head hash differs between one input and line-by-line application"
# The anonymous question's author (natarajan) appears nowhere in the log.
"$GAVEL" log --db whole.db | grep '"type":"question_asked"' | grep '"anonymous":true' | grep -q '"by":"anonymous"' ||
  fail "the anonymous question is not marked as such in the log"
if "$GAVEL" log --db whole.db | grep '"type":"question_asked"' | grep '"anonymous":true' | grep -q natarajan; then
  fail "the log names the author of an anonymous question"
fi
echo "scenario_panel: ok"

#!/usr/bin/env bash
# The command line over a real SQLite database: init, apply, log, state,
# verify; a rejected command changes nothing; a changed byte or a damaged file
# is found and named.
source "$(dirname "$0")/lib.bash"

db=panel.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648726200000
expect_contains "$out" "created meeting cstd25-wsis-panel" "init"
expect_exit 1 "$GAVEL" init --db "$db"
expect_contains "$err" "already exists" "second init"

T=1648729800000
cat >cmds.jsonl <<JSON
# the chair opens the meeting and the first item
{"type": "open_meeting"}
{"type": "start_item", "item": "opening"}
JSON
expect_exit 0 "$GAVEL" apply --db "$db" --as chair --at $T cmds.jsonl
[ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] || fail "apply printed: $out"
expect_contains "$out" '"type":"item_started"' "apply output"

state_before=$("$GAVEL" state --db "$db")

# A rejected command in the middle: nothing of the input is stored.
printf '%s\n' '{"type": "end_item"}' '{"type": "close_list", "bogus": 1}' >bad.jsonl
expect_exit 1 "$GAVEL" apply --db "$db" --as chair --at $((T + 1000)) bad.jsonl
expect_contains "$err" "line 2" "rejection names the line"
expect_contains "$err" "nothing was stored" "rejection says nothing was stored"
[ "$("$GAVEL" state --db "$db")" = "$state_before" ] || fail "a rejected input changed the state"

# A command dated before the log's last event is refused, not quietly
# redated: an envelope's at_ms, and --at, alike.
expect_exit 1 "$GAVEL" apply --db "$db" - <<<'{"as": "chair", "at_ms": '$((T - 5000))', "command": {"type": "end_item"}}'
expect_contains "$err" "line 1" "an early envelope names its line"
expect_contains "$err" "before the meeting's last event" "an early envelope says why"
expect_contains "$err" "date it at $T or later" "an early envelope says what to do"
expect_exit 1 "$GAVEL" apply --db "$db" --as chair --at $((T - 1)) - <<<'{"type": "end_item"}'
expect_contains "$err" "0.001 s before the meeting's last event" "an early --at"
[ "$("$GAVEL" state --db "$db")" = "$state_before" ] || fail "an early command changed the state"

# Not JSON, unknown sender, a role that may not: each refused, nothing stored.
expect_exit 1 "$GAVEL" apply --db "$db" --as chair --at $T - <<<'{"type": '
expect_contains "$err" "not valid JSON" "bad JSON"
expect_exit 1 "$GAVEL" apply --db "$db" --as nobody --at $T - <<<'{"type": "end_item"}'
expect_contains "$err" "unauthorized" "unknown sender"
expect_exit 1 "$GAVEL" apply --db "$db" --as lin --at $T - <<<'{"type": "end_item"}'
expect_contains "$err" "forbidden" "participant ends an item"
[ "$("$GAVEL" state --db "$db")" = "$state_before" ] || fail "a refused command changed the state"

# Envelopes name their own sender and time.
expect_exit 0 "$GAVEL" apply --db "$db" --as chair - <<<"{\"as\": \"chair\", \"at_ms\": $((T + 5000)), \"command\": {\"type\": \"end_item\"}}"
expect_contains "$out" "\"at_ms\":$((T + 5000))" "envelope time"

# A database that has invitation links (the server's own ~links log) still
# verifies as a whole, and the links log is checked as a chain.
expect_exit 0 "$GAVEL" invite --db "$db" --role chair
expect_exit 0 "$GAVEL" verify --db "$db"
expect_contains "$out" "~links: intact" "verify checks the links log"

expect_exit 0 "$GAVEL" log --db "$db"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 4 ] || fail "log has $(printf '%s\n' "$out" | wc -l) lines"
expect_exit 0 "$GAVEL" verify --db "$db"
expect_contains "$out" "intact, 4 events" "verify"

# The state is the replay of the log: the same after reopening, byte for byte.
a=$("$GAVEL" state --db "$db")
b=$("$GAVEL" state --db "$db")
[ "$a" = "$b" ] || fail "state is not stable across replays"

# One changed byte in event 3 is found and named.
cp "$db" tampered.db
sqlite3 tampered.db "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), 'opening', 'openinG') AS BLOB) WHERE seq = 3"
expect_exit 1 "$GAVEL" verify --db tampered.db
expect_contains "$out" "DAMAGED at event 3" "verify names the changed event"

# A truncated file gives a clear error, never a crash.
head -c 3000 "$db" >truncated.db
for cmd in state verify log; do
  code=0
  "$GAVEL" "$cmd" --db truncated.db >/dev/null 2>t.err || code=$?
  [ "$code" -eq 1 ] || [ "$code" -eq 3 ] || fail "$cmd on a truncated file exited $code: $(cat t.err)"
  [ -s t.err ] || fail "$cmd on a truncated file printed no error"
done

# Usage errors exit 2; --help exits 0 for every command.
expect_exit 2 "$GAVEL" state
expect_exit 2 "$GAVEL" no-such-command
for cmd in validate init apply log state verify; do
  expect_exit 0 "$GAVEL" "$cmd" --help
  expect_contains "$out" "usage: gavel $cmd" "$cmd --help"
done
# A clock behind the log (its last event dated in 2100): the command is
# dated at that event, and apply says so.
future=4102444800000
expect_exit 0 "$GAVEL" init --db clock.db --at 1648726200000
expect_exit 0 "$GAVEL" apply --db clock.db --as chair --at $future - <<<'{"type": "open_meeting"}'
expect_exit 0 "$GAVEL" apply --db clock.db --as chair - <<<'{"type": "start_item", "item": "opening"}'
expect_contains "$err" "warning: the clock reads" "a clock behind the log is warned about"
expect_contains "$out" "\"at_ms\":$future" "the command is dated at the last event"
echo "cli_record: ok"

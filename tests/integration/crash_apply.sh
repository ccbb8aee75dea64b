#!/usr/bin/env bash
# `gavel apply` killed with SIGKILL at random moments while it commits, twenty
# times: every event it acknowledged (printed, which it does only after the
# commit) is in the log afterwards, and `gavel verify` passes every time.
source "$(dirname "$0")/lib.bash"

db=crash.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648729200000
printf '{"as": "chair", "at_ms": 1648729800000, "command": {"type": "open_meeting"}}\n' |
  "$GAVEL" apply --db "$db" - >/dev/null

people=(lin moreau okafor bexland estavia qasimar aldoria dunmere)
for p in "${people[@]}"; do
  for q in $(seq 1 40); do
    printf '{"as": "%s", "command": {"type": "ask_question", "text": "Question %s from %s"}}\n' "$p" "$q" "$p"
  done
done >batch.jsonl

# timeout(1) kills its own child, which it has not yet reaped: a pid that
# finished early and was reused by another process is never signalled.
kills=0
for run in $(seq 1 20); do
  rc=0
  timeout -s KILL "0.0$((RANDOM % 10))$((RANDOM % 10))" \
    "$GAVEL" apply --db "$db" batch.jsonl >"acked-$run" 2>/dev/null || rc=$?
  [ "$rc" -eq 137 ] && kills=$((kills + 1))
  [ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] || fail "run $run: gavel apply exited $rc"
  "$GAVEL" log --db "$db" >log.jsonl || fail "run $run: the log cannot be read after the kill"
  while IFS= read -r line; do
    grep -qxF -- "$line" log.jsonl || fail "run $run: an acknowledged event is missing: $line"
  done <"acked-$run"
  expect_exit 0 "$GAVEL" verify --db "$db"
done
acked=$(cat acked-* | wc -l)
stored=$(wc -l <log.jsonl)
echo "crash_apply: 20 runs, $kills killed while running, $acked events acknowledged, $stored stored, all verified"

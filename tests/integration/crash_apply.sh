#!/usr/bin/env bash
# `gavel apply` killed with SIGKILL while it works, 20 times on one database:
# every other kill at a random moment of a run (runs are timed first), the
# others as soon as the first acknowledged event is printed (apply prints its
# events only after their commit). After each kill: every event it printed is
# in the log, the log grew by the whole input or not at all (one
# transaction), and `gavel verify` passes. Kills are counted, not assumed: a
# run that ends by itself is not one, and the test fails unless 20 runs were
# killed within 60.
#
# Shown to fail against a broken build: with `gavel apply` printing its
# events before it stores them (the two steps of store_and_print in
# src/cli/cmd_apply.c swapped), a run killed at its first printed event
# leaves printed events out of the log ("an acknowledged event is missing").
# And with no kill landing (the `kill -KILL` below replaced by `true`), it
# fails on the count: "only 0 of 60 runs were killed while running (20
# needed)".
source "$(dirname "$0")/lib.bash"

KILLS=20
RUNS_MAX=60
BATCH=160 # questions a run; RUNS_MAX runs stay under the 10,000 a meeting takes

db=crash.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648729200000
printf '{"as": "chair", "at_ms": 1648729800000, "command": {"type": "open_meeting"}}\n' |
  "$GAVEL" apply --db "$db" - >/dev/null

people=(lin moreau okafor bexland estavia qasimar aldoria dunmere)
for p in "${people[@]}"; do
  for q in $(seq 1 $((BATCH / ${#people[@]}))); do
    printf '{"as": "%s", "command": {"type": "ask_question", "text": "Question %s from %s"}}\n' "$p" "$q" "$p"
  done
done >batch.jsonl

now_us() { echo "${EPOCHREALTIME/./}"; }
events() { "$GAVEL" log --db "$db" | wc -l; }

# How long a whole run takes here and now: the shortest of two.
run_us=
for _ in 1 2; do
  t0=$(now_us)
  expect_exit 0 "$GAVEL" apply --db "$db" batch.jsonl
  t=$(($(now_us) - t0))
  [ -z "$run_us" ] || [ "$t" -lt "$run_us" ] && run_us=$t
done

# Runs gavel apply in the background; its pid in $pid, what it prints in $1.
start_apply() {
  "$GAVEL" apply --db "$db" batch.jsonl >"$1" 2>/dev/null &
  pid=$!
}

# Waits until $1 holds a byte or the run ended (20 s at most).
wait_first_output() {
  local deadline=$(($(now_us) + 20000000))
  while [ ! -s "$1" ] && kill -0 "$pid" 2>/dev/null; do
    [ "$(now_us)" -lt "$deadline" ] || fail "run $run: nothing printed in 20 s"
    sleep 0.001
  done
}

kills=0 at_first_event=0 stored_whole=0 run=0
while [ "$kills" -lt "$KILLS" ] && [ "$run" -lt "$RUNS_MAX" ]; do
  run=$((run + 1))
  before=$(events)
  acked=acked-$run
  if [ $((run % 2)) -eq 0 ]; then
    mode="at the first printed event"
    start_apply "$acked"
    wait_first_output "$acked"
  else
    delay_us=$((1 + (RANDOM * 32768 + RANDOM) % (run_us * 9 / 10)))
    mode="after $((delay_us / 1000)) ms"
    start_apply "$acked"
    sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
  fi
  # The child is not reaped before `wait`, so its pid cannot have been reused.
  kill -KILL "$pid" 2>/dev/null || true
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 137 ] || fail "run $run: gavel apply exited $rc"
  [ "$rc" -eq 137 ] || continue # ended by itself before the kill: not counted
  kills=$((kills + 1))

  "$GAVEL" log --db "$db" >log.jsonl || fail "run $run: the log cannot be read after the kill"
  after=$(wc -l <log.jsonl)
  # A line cut by the kill (no newline yet) was not fully printed: not counted.
  [ -s "$acked" ] && [ "$(tail -c 1 "$acked" | od -An -c | tr -d ' ')" != '\n' ] &&
    sed -i '$d' "$acked"
  while IFS= read -r line; do
    grep -qxF -- "$line" log.jsonl || fail "run $run (killed $mode): an acknowledged event is missing: $line"
  done <"$acked"
  case $((after - before)) in
  0) ;;
  "$BATCH") stored_whole=$((stored_whole + 1)) ;;
  *) fail "run $run (killed $mode): the log grew by $((after - before)) events, not 0 or $BATCH" ;;
  esac
  if [ $((run % 2)) -eq 0 ]; then
    [ "$after" -eq $((before + BATCH)) ] ||
      fail "run $run: killed after printing, yet the log did not grow by the whole input"
    at_first_event=$((at_first_event + 1))
  fi
  expect_exit 0 "$GAVEL" verify --db "$db"
done
[ "$kills" -eq "$KILLS" ] || fail "only $kills of $run runs were killed while running ($KILLS needed)"
[ "$at_first_event" -gt 0 ] || fail "no run was killed at its first printed event"
echo "crash_apply: $run runs of $BATCH commands (a run took $((run_us / 1000)) ms), $kills killed" \
  "($at_first_event at their first printed event), $stored_whole of those stored whole, the rest" \
  "not at all; $(events) events in the log, all verified"

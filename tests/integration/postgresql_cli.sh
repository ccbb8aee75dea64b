#!/usr/bin/env bash
# Every command that takes --db, on PostgreSQL (a throwaway server started
# here) and on SQLite side by side: the scripted panel applied to both gives
# the same log, head hash, state, record and calendar, byte for byte; serve
# takes commands into PostgreSQL; invitation links live there; an unknown
# server, database or password is said plainly and never echoes a password.
source "$(dirname "$0")/lib.bash"
scenario="$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"

read -r pg pgdir < <("$GV_SOURCE_DIR/tests/support/pg-scratch" start --owner $$)
trap '"$GV_SOURCE_DIR/tests/support/pg-scratch" stop "$pgdir"; rm -rf "$work"' EXIT
psql -q "$pg" -c "CREATE DATABASE panel" || fail "createdb"
pgdb=${pg%/postgres}/panel

for db in "$pgdb" panel.db; do
  expect_exit 0 "$GAVEL" init --db "$db" --at 1648729200000
  expect_contains "$out" "created meeting cstd25-wsis-panel" "init on $db"
  expect_exit 1 "$GAVEL" init --db "$db" --at 1648729200000
  expect_contains "$err" "already exists" "second init on $db"
  expect_exit 0 "$GAVEL" apply --db "$db" "$scenario"
  expect_exit 0 "$GAVEL" verify --db "$db"
  expect_contains "$out" "intact, 100 events" "verify on $db"
done
for cmd in "log" "log --hash" "log --since 50" "state" "report --format md" \
    "report --format json" "report --format csv" "report --format html" "calendar"; do
  # shellcheck disable=SC2086
  a=$("$GAVEL" $cmd --db "$pgdb") || fail "$cmd on PostgreSQL"
  # shellcheck disable=SC2086
  b=$("$GAVEL" $cmd --db panel.db) || fail "$cmd on SQLite"
  [ -n "$a" ] && [ "$a" = "$b" ] || fail "gavel $cmd differs between PostgreSQL and SQLite"
done
# A refused command stores nothing, as on SQLite.
before=$("$GAVEL" log --db "$pgdb" --hash | tail -1)
expect_exit 1 "$GAVEL" apply --db "$pgdb" --as lin - <<<'{"type": "end_item"}'
expect_contains "$err" "forbidden" "a participant ends an item"
[ "$("$GAVEL" log --db "$pgdb" --hash | tail -1)" = "$before" ] || fail "a refused command was stored"

# Invitation links: issued, listed and revoked in the database.
expect_exit 0 "$GAVEL" invite --db "$pgdb" --role chair
expect_contains "$out" "/join/" "invite prints a link"
expect_exit 0 "$GAVEL" invite --db "$pgdb" --list
expect_contains "$out" "chair" "invite --list"
expect_exit 0 "$GAVEL" invite --db "$pgdb" --revoke --role chair
expect_exit 0 "$GAVEL" verify --db "$pgdb"
expect_contains "$out" "~links: intact" "the links log verifies"

# serve: a command over HTTP is stored in PostgreSQL before it is acknowledged.
"$GAVEL" serve --db "$pgdb" --meeting cstd25-wsis-panel --listen 127.0.0.1:0 >serve.out 2>&1 &
server=$!
wait_ready serve.out "$server"
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' serve.out | grep -o '[0-9]*$')
expect_contains "$(head -1 serve.out)" "postgresql://gavel@127.0.0.1:" "serve names the database"
rapporteur=$(grep '  rapporteur:' serve.out | sed 's#.*/join/##')
ack=$(curl -sS -X POST -H "Authorization: Bearer $rapporteur" -H 'Content-Type: application/json' \
  --data '{"type": "add_note", "guiding_question": "gq2", "text": "Stored in PostgreSQL."}' \
  "http://127.0.0.1:$port/api/v1/meetings/cstd25-wsis-panel/commands")
expect_contains "$ack" '"type":"ack"' "serve acknowledges a command"
seq=$(printf '%s' "$ack" | sed 's/.*"last_seq":\([0-9]*\).*/\1/')
kill -TERM $server
wait $server || fail "serve did not stop cleanly"
"$GAVEL" log --db "$pgdb" --since $((seq - 1)) | grep -q "\"seq\":$seq," ||
  fail "the acknowledged event $seq is not in the log"
expect_exit 0 "$GAVEL" verify --db "$pgdb"

# Bad locations: said plainly, exit 3 (system) or 1, no password printed.
expect_exit 3 "$GAVEL" state --db "postgresql://gavel:hunter2@127.0.0.1:1/x"
expect_contains "$err" "cannot connect to PostgreSQL at postgresql://gavel@127.0.0.1:1/x" "no server"
case "$err" in *hunter2*) fail "a password was printed: $err" ;; esac
expect_exit 1 "$GAVEL" state --db "${pg%/postgres}/nosuchdb"
expect_contains "$err" "createdb" "no such database"
expect_exit 1 "$GAVEL" state --db "$pg"
expect_contains "$err" "holds no Gavel database" "an empty database"
echo "postgresql_cli: ok"

#!/usr/bin/env bash
# The server and snapshots, on SQLite and on PostgreSQL (a throwaway server):
# `gavel serve --snapshot-every 4` stores the state beside the log every 4
# events, after they are durable, and `gavel verify` finds each equal to the
# fold of the log; a restarted server loads the meeting from the newest
# snapshot (shown by a snapshot forged on purpose, hash and all, whose note
# the restarted server then serves, and which verify names as damaged), and
# goes on from there; a snapshot that does not fit is passed over, said in
# the server's log, and the whole log folded.
source "$(dirname "$0")/lib.bash"

read -r pg pgdir < <("$GV_SOURCE_DIR/tests/support/pg-scratch" start --owner $$)
server=
stop_server() {
  [ -n "$server" ] || return 0
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" || true
  server=
}
trap 'stop_server; "$GV_SOURCE_DIR/tests/support/pg-scratch" stop "$pgdir"; rm -rf "$work"' EXIT

sql() { # sql DB STATEMENT
  case $1 in
    postgresql://*) psql -q -t -A -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
    *) sqlite3 "$1" "$2" ;;
  esac
}
blob() { # blob DB HEX: a literal of those bytes in the database's SQL
  case $1 in
    postgresql://*) printf "'%s%s'" '\x' "$2" ;;
    *) printf "X'%s'" "$2" ;;
  esac
}

start_server() { # start_server DB: serves the example meeting, sets $port and $rapporteur
  # The last server's output goes first: the new one may not have opened
  # serve.out yet when wait_ready reads it.
  rm -f serve.out serve.err
  "$GAVEL" serve --db "$1" --meeting cstd25-wsis-panel --listen 127.0.0.1:0 --snapshot-every 4 \
    >serve.out 2>serve.err &
  server=$!
  wait_ready serve.out "$server"
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' serve.out | grep -o '[0-9]*$')
  rapporteur=$(grep '  rapporteur:' serve.out | sed 's#.*/join/##')
}

note() { # note TEXT: the rapporteur adds a note; prints the ack's last_seq
  local ack
  ack=$(curl -sS -X POST -H "Authorization: Bearer $rapporteur" -H 'Content-Type: application/json' \
    --data "{\"type\": \"add_note\", \"text\": \"$1\"}" \
    "http://127.0.0.1:$port/api/v1/meetings/cstd25-wsis-panel/commands")
  case "$ack" in *'"type":"ack"'*) ;; *) fail "note refused: $ack" ;; esac
  printf '%s' "$ack" | sed 's/.*"last_seq":\([0-9]*\).*/\1/'
}

for db in "$pg" panel.db; do
  expect_exit 0 "$GAVEL" init --db "$db" --at 1648729200000
  expect_exit 0 "$GAVEL" apply --db "$db" --as chair --at 1648729800000 - <<<'{"type": "open_meeting"}'
  start_server "$db"
  for i in 1 2 3 4 5 6 7 8 9 10; do last=$(note "Note $i."); done
  # Snapshots at 4, 8 and 12, stored by the writer after their events.
  for _ in $(seq 1 600); do   # at most 30 s on a loaded machine
    metrics=$(curl -sS "http://127.0.0.1:$port/metrics")
    case "$metrics" in *'gavel_snapshots_total{result="stored"} 3'*) break ;; esac
    sleep 0.05
  done
  expect_contains "$metrics" 'gavel_snapshots_total{result="stored"} 3' "/metrics on $db"
  expect_contains "$metrics" 'gavel_snapshots_total{result="failed"} 0' "/metrics on $db"
  stop_server
  [ "$last" -eq 12 ] || fail "the last note is at seq $last, not 12"
  # Snapshots at 4, 8 and 12; the newest two kept.
  [ "$(sql "$db" "SELECT seq FROM snapshots ORDER BY seq" | tr '\n' ' ')" = "8 12 " ] ||
    fail "snapshots on $db: $(sql "$db" "SELECT seq FROM snapshots")"
  expect_exit 0 "$GAVEL" verify --db "$db"
  expect_contains "$out" "intact, 12 events (2 snapshots checked)" "verify after serve on $db"
  want=$("$GAVEL" state --db "$db")

  # Forged: the newest snapshot's last note rewritten, its hash made to fit.
  case $db in
    postgresql://*) body=$(sql "$db" "SELECT convert_from(body, 'UTF8') FROM snapshots WHERE seq = 12") ;;
    *) body=$(sql "$db" "SELECT CAST(body AS TEXT) FROM snapshots WHERE seq = 12") ;;
  esac
  forged=${body/Note 10./Forged.}
  [ "$forged" != "$body" ] || fail "the snapshot holds no note 10"
  hash=$(printf '%s' "$forged" | b2sum -l 256 | cut -d' ' -f1)
  hex=$(printf '%s' "$forged" | od -An -v -tx1 | tr -d ' \n')
  sql "$db" "UPDATE snapshots SET body = $(blob "$db" "$hex"), hash = $(blob "$db" "$hash") WHERE seq = 12"
  start_server "$db"
  snap=$(curl -sS -H "Authorization: Bearer $rapporteur" \
    "http://127.0.0.1:$port/api/v1/meetings/cstd25-wsis-panel/snapshot")
  expect_contains "$snap" "Forged." "the restarted server loaded the meeting from the snapshot on $db"
  [ "$(note "Note 11.")" -eq 13 ] || fail "the server did not go on from seq 12 on $db"
  stop_server
  expect_exit 1 "$GAVEL" verify --db "$db"
  expect_contains "$out" "DAMAGED snapshot at seq 12" "verify names the forged snapshot on $db"

  # A snapshot whose bytes no longer match their hash is passed over.
  sql "$db" "UPDATE snapshots SET hash = $(blob "$db" "$(printf '%064d' 0)") WHERE seq = 12"
  sql "$db" "DELETE FROM snapshots WHERE seq = 8"
  start_server "$db"
  snap=$(curl -sS -H "Authorization: Bearer $rapporteur" \
    "http://127.0.0.1:$port/api/v1/meetings/cstd25-wsis-panel/snapshot")
  case "$snap" in *Forged.*) fail "a snapshot that fails its hash was used on $db" ;; esac
  expect_contains "$snap" "Note 10." "the whole log was folded on $db"
  stop_server
  expect_contains "$(cat serve.err)" "snapshot was not used" "the server says it folded the whole log on $db"
  sql "$db" "DELETE FROM snapshots"
  expect_exit 0 "$GAVEL" verify --db "$db"
  expect_contains "$out" "intact, 13 events" "verify after the snapshots were deleted on $db"
done
echo "serve_snapshots: ok"

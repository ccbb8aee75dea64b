#!/usr/bin/env bash
# Snapshots of the state beside the log, on SQLite and on PostgreSQL (a
# throwaway server): `gavel apply --snapshot-every` stores them, `gavel
# state` loads from the newest and gives the same state as a database
# without any, `gavel verify` compares each with the fold of the log and
# names one that is not (its bytes swapped for an older snapshot's, hash and
# all), while state falls back to folding the whole log; deleting a snapshot
# loses nothing.
source "$(dirname "$0")/lib.bash"
scenario="$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"

read -r pg pgdir < <("$GV_SOURCE_DIR/tests/support/pg-scratch" start --owner $$)
trap '"$GV_SOURCE_DIR/tests/support/pg-scratch" stop "$pgdir"; rm -rf "$work"' EXIT

# The reference: the same panel without snapshots.
expect_exit 0 "$GAVEL" init --db plain.db --at 1648729200000
expect_exit 0 "$GAVEL" apply --db plain.db --snapshot-every 0 "$scenario"
want=$("$GAVEL" state --db plain.db)
grep -v '^#' "$scenario" | grep -v '^$' | split -l 30 - part.

sql() { # sql DB STATEMENT: runs it on either engine
  case $1 in
    postgresql://*) psql -q -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
    *) sqlite3 "$1" "$2" ;;
  esac
}

for db in "$pg" snap.db; do
  expect_exit 0 "$GAVEL" init --db "$db" --at 1648729200000
  for p in part.*; do
    expect_exit 0 "$GAVEL" apply --db "$db" --snapshot-every 1 "$p"
  done
  expect_exit 0 "$GAVEL" verify --db "$db"
  expect_contains "$out" "intact, 100 events (2 snapshots checked)" "verify on $db"
  expect_exit 0 "$GAVEL" state --db "$db"
  [ "$out" = "$want" ] || fail "the state loaded from a snapshot on $db differs"
  [ -z "$err" ] || fail "state on $db said: $err"

  # The newest snapshot's bytes and hash replaced by the older one's: its
  # hash fits, its state is not the fold at its seq.
  sql "$db" "UPDATE snapshots SET body = o.body, hash = o.hash FROM (SELECT body, hash FROM
             snapshots WHERE seq = (SELECT min(seq) FROM snapshots)) AS o
             WHERE seq = (SELECT max(seq) FROM snapshots)"
  expect_exit 1 "$GAVEL" verify --db "$db"
  expect_contains "$out" "DAMAGED snapshot at seq 100" "verify names the swapped snapshot on $db"
  expect_contains "$out" "not the state its events fold to" "verify says why on $db"
  expect_exit 0 "$GAVEL" state --db "$db"
  [ "$out" = "$want" ] || fail "state with a damaged snapshot on $db differs"
  expect_contains "$err" "snapshot was not used" "state says it folded the whole log on $db"
  # A later apply loads past it and stores a good one; the damaged one is
  # still named until it is deleted, which loses nothing.
  expect_exit 0 "$GAVEL" apply --db "$db" --as rapporteur --at 1648738000000 --snapshot-every 1 - \
    <<<'{"type": "add_note", "text": "A last note."}'
  expect_exit 1 "$GAVEL" verify --db "$db"
  expect_contains "$out" "DAMAGED snapshot at seq 100" "the damaged snapshot is still named on $db"
  sql "$db" "DELETE FROM snapshots WHERE seq = 100"
  expect_exit 0 "$GAVEL" verify --db "$db"
  expect_contains "$out" "intact, 101 events (1 snapshot checked)" "verify after the repair on $db"
done
echo "snapshots: ok"

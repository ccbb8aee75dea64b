#!/usr/bin/env bash
# Signed records: keygen makes a key pair (the secret key readable by its owner
# only, nothing overwritten), sign signs a JSON record, verify --record checks
# it against the public key and the database. A changed byte in the record, a
# record of another log, another key or a damaged signature all fail.
source "$(dirname "$0")/lib.bash"

db=panel.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648726200000
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"
expect_exit 0 "$GAVEL" report --db "$db" --format json -o record.json

expect_exit 0 "$GAVEL" keygen -o key
[ "$(stat -c %a key)" = 600 ] || fail "the secret key has mode $(stat -c %a key)"
[ "$(cat key.pub)" = "$out" ] || fail "keygen printed something else than key.pub"
expect_contains "$out" "gavel-ed25519-public-key " "public key printed"
cp key key.before
expect_exit 1 "$GAVEL" keygen -o key
expect_contains "$err" "exists already" "keygen over a key"
cmp -s key key.before || fail "keygen changed an existing key"

expect_exit 0 "$GAVEL" sign --key key record.json -o record.sig
expect_exit 0 "$GAVEL" verify --record record.json --sig record.sig --pub key.pub
expect_contains "$out" "signature good" "verify"
expect_exit 0 "$GAVEL" verify --record record.json --sig record.sig --pub key.pub --db "$db"
expect_contains "$out" "matches the log of cstd25-wsis-panel in $db up to event 100" "verify --db"

# One changed byte, anywhere: the first, one in a figure, one in a name, the last.
size=$(stat -c %s record.json)
votes_at=$(grep -bo '"votes":4' record.json | head -1 | cut -d: -f1)
for at in 0 $((votes_at + 8)) $((size / 2)) $((size - 1)); do
  cp record.json changed.json
  byte=$(dd if=record.json bs=1 skip="$at" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
  new=$(( byte == 52 ? 53 : (byte ^ 1) ))
  printf "$(printf '\\%03o' "$new")" | dd of=changed.json bs=1 seek="$at" conv=notrunc 2>/dev/null
  ! cmp -s record.json changed.json || fail "byte $at did not change"
  expect_exit 1 "$GAVEL" verify --record changed.json --sig record.sig --pub key.pub
  expect_contains "$out" "NOT VERIFIED" "changed byte $at"
done
# The same record reformatted (same JSON, other bytes) is not the one signed.
node -e 'const r = JSON.parse(require("fs").readFileSync("record.json", "utf8")); console.log(JSON.stringify(r, null, 1))' >pretty.json
expect_exit 1 "$GAVEL" verify --record pretty.json --sig record.sig --pub key.pub
expect_contains "$out" "changed after it was signed" "reformatted record"

# Another key.
expect_exit 0 "$GAVEL" keygen -o other
expect_exit 1 "$GAVEL" verify --record record.json --sig record.sig --pub other.pub
expect_contains "$out" "another key" "other key"
# A damaged signature: its first hex digit changed.
node -e 'const s = JSON.parse(require("fs").readFileSync("record.sig", "utf8"));
  s.signature = (s.signature[0] === "0" ? "1" : "0") + s.signature.slice(1);
  process.stdout.write(JSON.stringify(s) + "\n")' >bad.sig
cmp -s bad.sig record.sig && fail "the signature did not change"
expect_exit 1 "$GAVEL" verify --record record.json --sig bad.sig --pub key.pub
expect_contains "$out" "does not verify" "damaged signature"
# Key files of the wrong kind, a secret key others can read.
expect_exit 1 "$GAVEL" verify --record record.json --sig record.sig --pub key
expect_contains "$err" "secret key" "secret key given as public"
expect_exit 1 "$GAVEL" sign --key key.pub record.json -o x.sig
chmod 644 other
expect_exit 1 "$GAVEL" sign --key other record.json -o x.sig
expect_contains "$err" "can be read by others" "readable secret key"
[ ! -e x.sig ] || fail "a refused signing wrote a signature"

# Signed, then checked against a log that is not its own: another run of the
# meeting where one speech ended ten seconds later (and the vote cast in
# between came after it).
sed -e 's/"at_ms": 1648731100000, "command": {"type": "end_speech"}/"at_ms": 1648731110000, "command": {"type": "end_speech"}/' \
  -e 's/"at_ms": 1648731105000, "command": {"type": "upvote"/"at_ms": 1648731110000, "command": {"type": "upvote"/' \
  -e 's/"at_ms": 1648731110000, "command": {"type": "give_floor", "person": "diallo"}/"at_ms": 1648731111000, "command": {"type": "give_floor", "person": "diallo"}/' \
  "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl" >other.jsonl
cmp -s other.jsonl "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl" && fail "the other run is the same"
expect_exit 0 "$GAVEL" init --db other.db --at 1648726200000
expect_exit 0 "$GAVEL" apply --db other.db --as chair other.jsonl
expect_exit 1 "$GAVEL" verify --record record.json --sig record.sig --pub key.pub --db other.db
expect_contains "$out" "not of this log" "another log"

# The log grows after the record (a late note): the record still matches it.
expect_exit 0 "$GAVEL" apply --db "$db" --as rapporteur --at 1648737100000 - <<<'{"type": "add_note", "text": "Late."}'
expect_exit 0 "$GAVEL" verify --record record.json --sig record.sig --pub key.pub --db "$db"
echo "report_sign: ok"

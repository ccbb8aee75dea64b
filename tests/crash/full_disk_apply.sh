#!/usr/bin/env bash
# `gavel apply` on a full disk (a small tmpfs and a filler file): it exits 4
# (the disk is full, docs/cli.md), prints no event it did not store, and leaves the
# log as it was (byte for byte, and `gavel verify` passes); one note at a time
# until the disk is full, every note it printed is in the log; once the filler
# is gone the same input is stored whole.
#
# Needs permission to mount a tmpfs; without it, says so and exits
# GV_CRASH_SKIP (77), which CTest reports as skipped.
source "$GV_SOURCE_DIR/tests/integration/lib.bash"

skip=${GV_CRASH_SKIP:-77}
mnt=$work/tmpfs
mkdir "$mnt"
if ! mount -t tmpfs -o size=8m,mode=0755 gavel-crash "$mnt" 2>"$work/mount.err"; then
  echo "SKIP: full_disk_apply needs to mount a small tmpfs and cannot ($(tr -s "\n" " " <"$work/mount.err")); run it as root or with CAP_SYS_ADMIN"
  exit "$skip"
fi
trap 'umount "$mnt" 2>/dev/null || umount -l "$mnt"; rm -rf "$work"' EXIT
db=$mnt/gavel.db

free_bytes() { df -B1 --output=avail "$mnt" | tail -1 | tr -d ' '; }
bytes() { stat -c %s "$1" 2>/dev/null || echo none; }

expect_exit 0 "$GAVEL" init --db "$db" --at 1648729200000
printf '{"as": "chair", "at_ms": 1648729800000, "command": {"type": "open_meeting"}}\n' >open.jsonl
expect_exit 0 "$GAVEL" apply --db "$db" open.jsonl

# 300 notes of about 3,000 bytes: some 900 KB of events in one transaction.
pad=$(head -c 3000 /dev/zero | tr '\0' x)
for i in $(seq 1 300); do
  printf '{"as": "rapporteur", "command": {"type": "add_note", "text": "note %d %s"}}\n' "$i" "$pad"
done >notes.jsonl

"$GAVEL" log --db "$db" >before.jsonl
# The filler leaves 256 KiB: room for a few notes, not for 300.
dd if=/dev/zero of="$mnt/filler" bs=4096 count=$((($(free_bytes) - 262144) / 4096)) status=none
echo "tmpfs of 8 MiB, filler $(bytes "$mnt/filler") bytes, $(free_bytes) bytes free"

# One transaction that does not fit: refused whole.
expect_exit 4 "$GAVEL" apply --db "$db" notes.jsonl
expect_contains "$err" "nothing" "gavel apply on a full disk"
[ -z "$out" ] || fail "gavel apply printed events it did not store: ${out:0:200}"
said=${err%%$'\n'*}
"$GAVEL" log --db "$db" >after.jsonl
cmp -s before.jsonl after.jsonl || fail "the log changed although gavel apply failed"
expect_exit 0 "$GAVEL" verify --db "$db"
echo "300 notes at once: exit 4, \"$said\"; log unchanged ($(wc -l <after.jsonl) events), verify ok"

# One note at a time until the disk is full: each printed note is stored.
: >acked.jsonl
stored=0
for i in $(seq 1 300); do
  sed -n "${i}p" notes.jsonl >one.jsonl
  code=0
  "$GAVEL" apply --db "$db" one.jsonl >>acked.jsonl 2>one.err || code=$?
  if [ "$code" -ne 0 ]; then
    [ "$code" -eq 4 ] || fail "note $i: gavel apply exited $code, not 4 (disk full): $(cat one.err)"
    break
  fi
  stored=$((stored + 1))
done
[ "$code" -eq 4 ] || fail "the disk never filled: 300 notes stored one by one"
"$GAVEL" log --db "$db" >log.jsonl
while IFS= read -r line; do
  grep -qxF -- "$line" log.jsonl || fail "a note gavel apply printed is not in the log: ${line:0:80}"
done <acked.jsonl
[ "$(wc -l <log.jsonl)" -eq $(($(wc -l <before.jsonl) + stored)) ] ||
  fail "the log holds $(wc -l <log.jsonl) events; $(wc -l <before.jsonl) + $stored were stored"
expect_exit 0 "$GAVEL" verify --db "$db"
echo "one at a time: $stored notes stored and printed, note $((stored + 1)) refused (exit 4), all printed ones in the log;" \
  "gavel.db $(bytes "$db") bytes, -wal $(bytes "$db-wal"), $(free_bytes) bytes free"

# Space again: the whole input is stored.
rm "$mnt/filler"
expect_exit 0 "$GAVEL" apply --db "$db" notes.jsonl
[ "$(printf '%s\n' "$out" | wc -l)" -eq 300 ] || fail "gavel apply printed $(printf '%s\n' "$out" | wc -l) events, not 300"
"$GAVEL" log --db "$db" >log.jsonl
[ "$(wc -l <log.jsonl)" -eq $(($(wc -l <before.jsonl) + stored + 300)) ] || fail "the 300 notes are not all in the log"
expect_exit 0 "$GAVEL" verify --db "$db"
echo "filler removed: the 300 notes stored at once; log of $(wc -l <log.jsonl) events verifies"

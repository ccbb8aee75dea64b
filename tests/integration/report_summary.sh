#!/usr/bin/env bash
# The Chair's summary of the scripted panel (tests/scenarios/cstd-2022-panel.jsonl, then
# cstd-2022-summary.jsonl): refused before the Chair approves it unless the draft is asked
# for; the approved summary in JSON, Markdown, Word and OpenDocument against
# tests/golden/, the Word and OpenDocument files read back by independent readers
# (office_read.py): every guiding question and every key message in order, the record as
# the annex with the Arabic and Chinese names; signed, verified against the log, and
# refused after a changed byte; a late note after the approval changes none of it.
# GV_UPDATE_GOLDEN=1 rewrites the golden files instead (then review the diff).
source "$(dirname "$0")/lib.bash"
golden=$GV_SOURCE_DIR/tests/golden
read=(/usr/bin/python3 "$GV_SOURCE_DIR/tests/integration/office_read.py")
script=$GV_SOURCE_DIR/tests/scenarios/cstd-2022-summary.jsonl

db=panel.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648726200000
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"
expect_exit 1 "$GAVEL" report --db "$db" --summary --format json -o none.json
expect_contains "$err" "no summary yet" "no summary"
# Up to the draft and its edits, before the approval: refused, unless --draft.
grep -v '"approve_summary"\|"Late:' "$script" >draft.jsonl
expect_exit 0 "$GAVEL" apply --db "$db" --as chair draft.jsonl
expect_exit 1 "$GAVEL" report --db "$db" --summary --format docx -o none.docx
expect_contains "$err" "not approved yet" "not approved"
expect_exit 0 "$GAVEL" report --db "$db" --summary --draft --format md -o draft.md
expect_contains "$(cat draft.md)" "Draft (version 6), not approved by the Chair" "draft status"
[ ! -e none.json ] && [ ! -e none.docx ] || fail "a refused summary wrote a file"
expect_exit 2 "$GAVEL" report --db "$db" --summary --format pdf -o s.pdf
expect_exit 2 "$GAVEL" report --db "$db" --draft --format md -o s.md
expect_exit 2 "$GAVEL" report --db "$db" --summary --upto 9 --format md -o s.md

grep '"approve_summary"\|"Late:' "$script" >approve.jsonl
expect_exit 0 "$GAVEL" apply --db "$db" --as chair approve.jsonl
for f in json md docx odt; do
  expect_exit 0 "$GAVEL" report --db "$db" --summary --format $f -o summary.$f
done
"$GAVEL" report --db "$db" --format json -o record.json
summary_hash=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verification"]["hash"])' summary.json)
[ ${#summary_hash} -eq 64 ] || fail "the summary names no hash"
expect_contains "$(cat summary.json)" '"last_seq":110' "tied to the approval event"

for f in docx odt; do
  "${read[@]}" dump summary.$f >summary.$f.txt || fail "the $f reader failed"
done
# In order: the title, every guiding question with its text, every key message, the
# annex, and the speakers of the record in the annex, Arabic and Chinese too.
/usr/bin/python3 - summary.json record.json summary.docx.txt summary.odt.txt <<'PY' || fail "the office summaries miss something"
import json, sys
summary = json.load(open(sys.argv[1], encoding='utf-8'))
record = json.load(open(sys.argv[2], encoding='utf-8'))
for path in sys.argv[3:]:
    text = open(path, encoding='utf-8').read().replace('\u2068', '').replace('\u2069', '')
    want = ["Chair's summary", 'Key messages']
    for s in summary['sections']:
        if s['section'] == 'key_messages':
            want += [l[2:] for l in s['text'].splitlines()]
    for s in summary['sections']:
        if s['section'] == 'guiding_question':
            want.append(s['question'])
            want += s['text'].splitlines()
    want += ['Recommendations', summary['verification']['hash'], 'Annex', 'Outcome record']
    want += [sp['name'] for sp in record['speeches']]
    at = 0
    for w in want:
        i = text.find(w, at)
        if i < 0:
            sys.exit('%s: not found in order: %s' % (path, w))
        at = i + len(w)
    print('%s: %d pieces in order' % (path, len(want)))
PY

for f in json md docx.txt odt.txt; do
  sed "s/$summary_hash/SUMMARY-HASH/g" summary.$f >summary.$f.golden
  g=$golden/cstd-2022-summary.$f
  if [ "${GV_UPDATE_GOLDEN:-}" = 1 ]; then
    cp summary.$f.golden "$g"
  elif ! cmp -s summary.$f.golden "$g"; then
    diff -u "$g" summary.$f.golden | head -40 >&2 || true
    fail "summary.$f differs from $g (GV_UPDATE_GOLDEN=1 rewrites it; review the diff)"
  fi
done

# Signed like a record; verified against the log that has grown since (the late note).
expect_exit 0 "$GAVEL" keygen -o chair.key
expect_exit 0 "$GAVEL" sign --key chair.key summary.json -o summary.sig
expect_exit 0 "$GAVEL" verify --record summary.json --sig summary.sig --pub chair.key.pub --db "$db"
expect_contains "$out" "signature good" "summary signature"
expect_contains "$out" "up to event 110" "summary against the log"
# One changed byte anywhere (here: a word of the recommendations) and it is refused.
sed 's/skills alongside/skills beside/' summary.json >changed.json
cmp -s changed.json summary.json && fail "the change did not change the file"
expect_exit 1 "$GAVEL" verify --record changed.json --sig summary.sig --pub chair.key.pub
expect_contains "$out" "NOT VERIFIED" "changed summary"
# Signed anew by whoever changed it: the log still refuses it.
expect_exit 0 "$GAVEL" sign --key chair.key changed.json -o changed.sig
expect_exit 1 "$GAVEL" verify --record changed.json --sig changed.sig --pub chair.key.pub --db "$db"
expect_contains "$out" "differs in \"sections\"" "changed summary against the log"
echo "report_summary: ok"

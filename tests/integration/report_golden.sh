#!/usr/bin/env bash
# The outcome record of the scripted two-hour panel (tests/scenarios/: the
# panel, then the written statements filed after it) in every format: each
# output is compared byte for byte with tests/golden/, every
# figure worked out by hand in tests/golden/cstd-2022-panel.figures.json is
# checked in the JSON, CSV, Markdown, HTML and PDF outputs (report_check.js),
# the JSON record is validated against docs/record.schema.json, and the
# verification hash printed is the one 'gavel verify' recomputes.
# GV_UPDATE_GOLDEN=1 rewrites the golden files instead (then review the diff).
source "$(dirname "$0")/lib.bash"
# cairo's font subsetter leaks (see report_lsan.supp), and matching that
# leak needs the whole stack: the setting for commands that write a PDF.
pdf_lsan="suppressions=$GV_SOURCE_DIR/tests/integration/report_lsan.supp:fast_unwind_on_malloc=0:print_suppressions=0"
golden=$GV_SOURCE_DIR/tests/golden
check=$GV_SOURCE_DIR/tests/integration/report_check.js

db=panel.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648726200000
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-statements.jsonl"

mkdir out
expect_exit 0 "$GAVEL" report --db "$db" --format json -o out/record.json
expect_exit 0 "$GAVEL" report --db "$db" --format csv -o out/speeches.csv
expect_exit 0 "$GAVEL" report --db "$db" --format md -o out/record.md
expect_exit 0 "$GAVEL" report --db "$db" --format html -o out/record.html
LSAN_OPTIONS=$pdf_lsan expect_exit 0 "$GAVEL" report --db "$db" --format pdf -o out/record.pdf
expect_exit 0 "$GAVEL" calendar --db "$db" -o out/agenda.ics

# Standard output gives the same bytes as -o.
"$GAVEL" report --db "$db" --format md >out/stdout.md
cmp -s out/stdout.md out/record.md || fail "report to standard output differs from -o FILE"
# The same log gives the same record, byte for byte.
"$GAVEL" report --db "$db" --format json -o out/again.json
cmp -s out/again.json out/record.json || fail "two reports of one log differ"

# The hash in the record is the log's head hash as 'gavel verify' recomputes it.
head_hash=$("$GAVEL" verify --db "$db" | sed -n 's/.*head hash \([0-9a-f]*\)$/\1/p')
[ ${#head_hash} -eq 64 ] || fail "gavel verify printed no head hash"
expect_contains "$(cat out/record.json)" "\"hash\":\"$head_hash\",\"last_seq\":105" "json hash"
for f in record.md record.html; do
  expect_contains "$(cat out/$f)" "$head_hash" "$f hash"
done
pdftotext -layout out/record.pdf out/record.txt
expect_contains "$(cat out/record.txt)" "$head_hash" "pdf hash"

# Byte for byte against tests/golden/, the hash set aside (checked above): it
# changes whenever the core's events gain a field, which is no change of the
# report.
for f in record.json speeches.csv record.md record.html agenda.ics; do
  case $f in
    speeches.csv) g=$golden/cstd-2022-panel.speeches.csv ;;
    agenda.ics) g=$golden/cstd-2022-panel.ics ;;
    *) g=$golden/cstd-2022-panel.${f#*.} ;;
  esac
  sed "s/$head_hash/HEAD-HASH/g" "out/$f" >"out/$f.golden"
  if [ "${GV_UPDATE_GOLDEN:-}" = 1 ]; then
    cp "out/$f.golden" "$g"
  elif ! cmp -s "out/$f.golden" "$g"; then
    diff -u "$g" "out/$f.golden" | head -40 >&2 || true
    fail "out/$f differs from $g (GV_UPDATE_GOLDEN=1 rewrites it; review the diff)"
  fi
done

# The written statements: each beside its speech in every format, with the
# SHA-256 of the file filed (sha256sum of the scenario's file).
statements=$GV_SOURCE_DIR/tests/scenarios/statements
for f in chen-statement.pdf haddad-statement.docx restrepo-statement.odt corvania-written-statement.txt; do
  sum=$(sha256sum "$statements/$f" | cut -c1-64)
  for out_file in record.json record.md record.html speeches.csv; do
    # The CSV lists speeches: a statement submitted in writing has none.
    [ "$out_file:$f" = speeches.csv:corvania-written-statement.txt ] && continue
    expect_contains "$(cat out/$out_file)" "$sum" "$out_file: the SHA-256 of $f"
  done
  expect_contains "$(cat out/record.txt)" "$sum" "pdf: the SHA-256 of $f"
done
expect_contains "$(cat out/record.txt)" "Written statements" "pdf statements section"
# A table cell wraps in the PDF: its text read cell by cell, spaces folded.
expect_contains "$(pdftotext out/record.pdf - | tr -s '[:space:]' ' ')" "written statement S3" \
  "pdf: S3 beside Haddad's speech"

# The archive of the statements: each file as filed, and the index.
expect_exit 0 "$GAVEL" report --db "$db" --statements -o out/statements.zip
mkdir out/zip
(cd out/zip && unzip -q ../statements.zip)
for pair in 01-chen-statement.pdf:chen-statement.pdf 02-restrepo-statement.odt:restrepo-statement.odt \
  03-haddad-statement.docx:haddad-statement.docx 04-corvania-written-statement.txt:corvania-written-statement.txt; do
  cmp -s "out/zip/${pair%%:*}" "$statements/${pair#*:}" || fail "the archive's ${pair%%:*} is not the file filed"
done
expect_contains "$(cat out/zip/index.csv)" "04-corvania-written-statement.txt" "archive index"
expect_exit 0 "$GAVEL" report --db "$db" --statements -o out/again.zip
cmp -s out/statements.zip out/again.zip || fail "two archives of one log differ"

node "$check" schema out/record.json
node "$check" figures "$golden/cstd-2022-panel.figures.json" out
node "$check" calendar out/agenda.ics "$golden/cstd-2022-panel.figures.json"
echo "report_golden: ok"

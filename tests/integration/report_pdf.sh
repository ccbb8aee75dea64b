#!/usr/bin/env bash
# The PDF record of the scripted panel: A4, every page numbered "Page n of N",
# a table of contents whose page numbers are the pages the sections start on,
# and text that extracts (pdftotext) with the names in Latin, Arabic and
# Chinese script as they were written. One page is rendered to PNG
# (pdftoppm), as docs/report-sample-page.png was.
source "$(dirname "$0")/lib.bash"
# cairo's font subsetter leaks (see report_lsan.supp), and matching that
# leak needs the whole stack: the setting for commands that write a PDF.
pdf_lsan="suppressions=$GV_SOURCE_DIR/tests/integration/report_lsan.supp:fast_unwind_on_malloc=0:print_suppressions=0"

db=panel.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648726200000
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-statements.jsonl"
LSAN_OPTIONS=$pdf_lsan expect_exit 0 "$GAVEL" report --db "$db" --format pdf -o record.pdf

info=$(pdfinfo record.pdf)
expect_contains "$info" "Page size:       595.276 x 841.89 pts (A4)" "A4 pages"
pages=$(printf '%s\n' "$info" | sed -n 's/^Pages: *//p')
[ "$pages" -ge 4 ] || fail "only $pages pages"

# Every page says its number and the total.
for p in $(seq 1 "$pages"); do
  t=$(pdftotext -f "$p" -l "$p" -layout record.pdf -)
  expect_contains "$t" "Page $p of $pages" "footer of page $p"
done

# The contents on page 1 list each section with the page it starts on.
toc=$(pdftotext -f 1 -l 2 -layout record.pdf -)
for section in "Agenda as held" "Speeches" "Questions from the audience" "Participation" "Verification"; do
  line=$(printf '%s\n' "$toc" | grep -m1 "^$section  " || true)
  [ -n "$line" ] || fail "no line for $section in the contents"
  page=$(printf '%s\n' "$line" | awk '{print $NF}')
  on_page=$(pdftotext -f "$page" -l "$page" -layout record.pdf -)
  printf '%s\n' "$on_page" | grep -q "^ *$section *$" || fail "$section is not on page $page as the contents say"
done

# Names in three scripts, in their logical order (pdftotext puts right-to-left
# runs back in reading order); a Chinese name of a participant, an Arabic
# note-taker's name, an Arabic name with a Latin transliteration.
pdftotext record.pdf record.txt
for name in "Ingrid Valmora" "Sofía Restrepo Alcalá" "Mateo Fuentes Larraín" "陈思远" "林美华" \
  "ليلى حداد" "راشد المنصوري" "فاطمة بنعلي" "Lin Meihua" "Fatima"; do
  grep -q "$name" record.txt || fail "pdftotext does not find \"$name\""
done
expect_contains "$(cat record.txt)" "Connectivity gaps, especially for online participants" "a note"

# A page rendered to an image, for a look.
pdftoppm -f 3 -l 3 -r 60 -png record.pdf page
png=$(ls page*.png)
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "$png is not a PNG"
[ "$(stat -c %s "$png")" -gt 20000 ] || fail "$png is nearly empty"

# A PDF is not written to a terminal, and a failed report leaves no file.
LSAN_OPTIONS=$pdf_lsan expect_exit 1 "$GAVEL" report --db "$db" --format pdf --upto 999 -o late.pdf
expect_contains "$err" "no event 999" "upto beyond the log"
[ ! -e late.pdf ] || fail "a refused report left a file"
ls -A | grep -q "tmp-" && fail "a temporary file was left behind"
echo "report_pdf: ok"

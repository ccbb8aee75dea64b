#!/usr/bin/env bash
# Names, titles, questions and notes that try to be markup or formulas come out
# of every format as the text they are: escaped in HTML (no script, no event
# handler, no link to another scheme), escaped in Markdown, quoted and defused
# in CSV, literal in the PDF. Bad options are refused and write nothing.
source "$(dirname "$0")/lib.bash"
# cairo's font subsetter leaks (see report_lsan.supp), and matching that
# leak needs the whole stack: the setting for commands that write a PDF.
pdf_lsan="suppressions=$GV_SOURCE_DIR/tests/integration/report_lsan.supp:fast_unwind_on_malloc=0:print_suppressions=0"

cat >hostile.yaml <<'YAML'
meeting:
  id: hostile
  title: "</title><script>alert('t')</script> Panel"
  body: "<b>Body</b> & co"
  starts: 2022-03-31T14:30
  ends: 2022-03-31T15:30
  timezone: Europe/Zurich
  venue: "<img src=x onerror=alert('v')>"
  languages: [en]
guiding_questions:
  - {id: q1, text: "*What* [next](javascript:alert('q'))?"}
agenda:
  - id: talk
    title: "# Heading | not a cell"
    kind: discussion
    planned_minutes: 60
    speaking: {limit_minutes: 3, warning_minutes: 2}
people:
  - id: chair
    name: "<script>alert('n')</script>"
    function: "=HYPERLINK(\"http://x.example.org\",\"click\")"
    affiliation: "@SUM(A1:A9)"
    group: member_state
    mode: room
    roles: [chair]
  - id: p1
    name: "-2+3 \"quoted\", comma"
    affiliation: "+Mission | pipe"
    group: civil_society
    mode: online
    roles: [participant]
YAML
db=h.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648726200000 hostile.yaml
T=1648729800000
expect_exit 0 "$GAVEL" apply --db "$db" --as chair - <<JSON
{"as": "chair", "at_ms": $T, "command": {"type": "open_meeting"}}
{"as": "chair", "at_ms": $((T + 1000)), "command": {"type": "start_item", "item": "talk"}}
{"as": "chair", "at_ms": $((T + 2000)), "command": {"type": "set_guiding_question", "guiding_question": "q1"}}
{"as": "p1", "at_ms": $((T + 3000)), "command": {"type": "request_floor"}}
{"as": "chair", "at_ms": $((T + 4000)), "command": {"type": "give_floor", "person": "chair"}}
{"as": "chair", "at_ms": $((T + 64000)), "command": {"type": "end_speech"}}
{"as": "chair", "at_ms": $((T + 65000)), "command": {"type": "next_speaker"}}
{"as": "chair", "at_ms": $((T + 125000)), "command": {"type": "end_speech"}}
{"as": "p1", "at_ms": $((T + 130000)), "command": {"type": "ask_question", "text": "<svg onload=alert('x')> =1+1"}}
{"as": "chair", "at_ms": $((T + 131000)), "command": {"type": "add_note", "guiding_question": "q1", "text": "| a | b |\n# not a heading\n1. not a list <iframe src=x>"}}
JSON

for f in html md csv json pdf docx odt; do
  LSAN_OPTIONS=$pdf_lsan expect_exit 0 "$GAVEL" report --db "$db" --format $f -o "r.$f"
done
html=$(cat r.html)
for bad in "<script" "<img" "<iframe" "<svg onload" "href=\"javascript" "<b>Body"; do
  case "$html" in *"$bad"*) fail "the HTML contains $bad" ;; esac
done
expect_contains "$html" "&lt;script&gt;alert(&#39;n&#39;)&lt;/script&gt;" "name escaped in HTML"
expect_contains "$html" "&lt;img src=x onerror=alert(&#39;v&#39;)&gt;" "venue escaped in HTML"
expect_contains "$html" "<title>Outcome record: &lt;/title&gt;&lt;script&gt;" "title escaped in HTML"
# Nothing but the page's own markup: one <style>, no <script>, no external load.
[ "$(grep -o '<style>' r.html | wc -l)" -eq 1 ] || fail "more than one style element"
grep -Eq '<(img|script|link|iframe|object|embed|audio|video)[ >]|@import|url\(' r.html &&
  fail "the page loads something"

md=$(cat r.md)
for bad in "<script" "<img" "<iframe" "<svg" "[next](javascript"; do
  case "$md" in *"$bad"*) fail "the Markdown contains $bad" ;; esac
done
expect_contains "$md" "&lt;script&gt;alert('n')&lt;/script&gt;" "name escaped in Markdown"
expect_contains "$md" "\\*What\\* \\[next\\](javascript:alert('q'))?" "guiding question escaped"
expect_contains "$md" "> &#124; a &#124; b &#124; # not a heading 1. not a list &lt;iframe src=x&gt;" "note escaped"
# Every table row of the Markdown has as many cells as its header.
awk -F' \\| ' '/^\| / { n = NF; if (head && n != head) { print "row with " n " cells: " $0; bad = 1 } if (!head) head = n; next } { head = 0 } END { exit bad }' r.md ||
  fail "a Markdown table row has a cell too many or too few"

csv=$(cat r.csv)
expect_contains "$csv" ",\"'=HYPERLINK(\"\"http://x.example.org\"\",\"\"click\"\")\"," "formula defused"
expect_contains "$csv" ",\"'@SUM(A1:A9)\"," "at-sign defused"
expect_contains "$csv" ",\"'-2+3 \"\"quoted\"\", comma\"," "minus defused and quoted"
expect_contains "$csv" ",\"'+Mission | pipe\"," "plus defused"
# No cell of the CSV starts with a formula character outside quotes.
tail -n +2 r.csv | tr ',' '\n' | grep -q '^[=+@-]' && fail "a CSV cell starts a formula"

pdftotext r.pdf r.txt
expect_contains "$(cat r.txt)" "<script>alert('n')</script>" "name literal in the PDF"

# Word and OpenDocument: markup is text there too, as independent readers see it.
for f in docx odt; do
  /usr/bin/python3 "$GV_SOURCE_DIR/tests/integration/office_read.py" dump r.$f >r.$f.txt ||
    fail "r.$f cannot be read"
  text=$(cat r.$f.txt)
  expect_contains "$text" "<script>alert('n')</script>" "name literal in $f"
  expect_contains "$text" "| a | b |" "note literal in $f"
  expect_contains "$text" "<svg onload=alert('x')> =1+1" "question literal in $f"
done

# Usage errors and refusals write nothing.
expect_exit 2 "$GAVEL" report --db "$db" --format rtf -o r.rtf
expect_contains "$err" "unknown format" "bad format"
expect_exit 2 "$GAVEL" report --db "$db" -o r.none
expect_contains "$err" "--format is required" "missing format"
expect_exit 1 "$GAVEL" report --db "$db" --meeting nope --format md -o r.nope
expect_exit 2 "$GAVEL" report --db "$db" --format md --upto 0
[ ! -e r.rtf ] && [ ! -e r.none ] && [ ! -e r.nope ] || fail "a refused report wrote a file"
expect_exit 3 "$GAVEL" report --db "$db" --format md -o /nonexistent/dir/r.md
for cmd in report calendar keygen sign; do
  expect_exit 0 "$GAVEL" $cmd --help
  expect_contains "$out" "usage: gavel $cmd" "$cmd --help"
done
echo "report_hostile: ok"

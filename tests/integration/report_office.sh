#!/usr/bin/env bash
# The outcome record of the scripted panel as Word and OpenDocument files,
# read back by readers that owe nothing to gavel (python3-docx, python3-odf;
# tests/integration/office_read.py): A4, every guiding question and note,
# every speaker (Arabic and Chinese names too) in the order of the speeches;
# the text each reader sees compared with tests/golden/; the same log gives
# the same bytes; the parts are well-formed XML and the ODF mimetype is the
# archive's first entry, stored.
# GV_UPDATE_GOLDEN=1 rewrites the golden files instead (then review the diff).
source "$(dirname "$0")/lib.bash"
golden=$GV_SOURCE_DIR/tests/golden
read=(/usr/bin/python3 "$GV_SOURCE_DIR/tests/integration/office_read.py")

db=panel.db
expect_exit 0 "$GAVEL" init --db "$db" --at 1648726200000
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-panel.jsonl"
expect_exit 0 "$GAVEL" apply --db "$db" --as chair "$GV_SOURCE_DIR/tests/scenarios/cstd-2022-statements.jsonl"
expect_exit 0 "$GAVEL" report --db "$db" --format json -o record.json
head_hash=$("$GAVEL" verify --db "$db" | sed -n 's/.*head hash \([0-9a-f]*\)$/\1/p')
[ ${#head_hash} -eq 64 ] || fail "gavel verify printed no head hash"

for f in docx odt; do
  expect_exit 0 "$GAVEL" report --db "$db" --format $f -o record.$f
  expect_exit 0 "$GAVEL" report --db "$db" --format $f -o again.$f
  cmp -s record.$f again.$f || fail "two $f records of one log differ"
  # Standard output gives the same bytes (it is not a terminal here).
  "$GAVEL" report --db "$db" --format $f >stdout.$f
  cmp -s record.$f stdout.$f || fail "$f to standard output differs from -o FILE"

  expect_exit 0 "${read[@]}" check record.$f record.json
  "${read[@]}" dump record.$f >record.$f.txt || fail "the $f reader failed"
  expect_contains "$(cat record.$f.txt)" "$head_hash" "$f hash"
  # The written statements, beside their speeches and with their SHA-256.
  expect_contains "$(cat record.$f.txt)" "written statement S3" "$f: S3 beside Haddad's speech"
  expect_contains "$(cat record.$f.txt)" "$(sha256sum "$GV_SOURCE_DIR/tests/scenarios/statements/haddad-statement.docx" | cut -c1-64)" "$f: a statement's SHA-256"
  sed "s/$head_hash/HEAD-HASH/g" record.$f.txt >record.$f.golden
  g=$golden/cstd-2022-panel.$f.txt
  if [ "${GV_UPDATE_GOLDEN:-}" = 1 ]; then
    cp record.$f.golden "$g"
  elif ! cmp -s record.$f.golden "$g"; then
    diff -u "$g" record.$f.golden | head -40 >&2 || true
    fail "record.$f differs from $g (GV_UPDATE_GOLDEN=1 rewrites it; review the diff)"
  fi

  # Every part is well-formed XML, as libxml2's own parser reads it.
  mkdir "parts.$f"
  (cd "parts.$f" && unzip -q ../record.$f) || fail "record.$f is not a ZIP archive"
  find "parts.$f" \( -name '*.xml' -o -name '*.rels' \) -print0 |
    xargs -0 /usr/bin/python3 -c 'import sys, xml.dom.minidom as m; [m.parse(p) for p in sys.argv[1:]]' ||
    fail "a part of record.$f is not well-formed XML"
done

# ODF: the mimetype first and stored, so that a reader knows the file by its
# first bytes; the page is A4 with the footer's page numbers.
[ "$(head -c 38 record.odt | tail -c 8)" = "mimetype" ] || fail "mimetype is not the first entry"
expect_contains "$(unzip -v record.odt mimetype)" "Stored" "mimetype stored"
expect_contains "$(cat parts.odt/styles.xml)" 'fo:page-width="21cm"' "odt A4"
# Word: the Arabic names are right-to-left runs, the tables' header rows repeat.
expect_contains "$(cat parts.docx/word/document.xml)" '<w:rtl/></w:rPr><w:t xml:space="preserve">راشد المنصوري' "docx rtl run"
expect_contains "$(cat parts.docx/word/document.xml)" '<w:tblHeader/>' "docx header rows"
echo "report_office: ok"

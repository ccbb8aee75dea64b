#!/usr/bin/python3
"""Reads a Word (.docx) or OpenDocument (.odt) file with readers that owe
nothing to gavel (Debian's python3-docx and python3-odf) and prints it as
text, block by block in document order:

    P <style> | text            a paragraph or heading
    T <rows>x<cols>             a table, then one line a row:
    | cell | cell |             (lines inside a cell joined by " / ")

  office_read.py dump FILE            the dump above
  office_read.py check FILE RECORD    checks the document against the JSON
                                      record: A4 pages, every guiding question,
                                      every note, every speaker's name in the
                                      order of the speeches; exits 1 naming
                                      the first thing missing
"""
import json
import sys


def docx_blocks(path):
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    d = docx.Document(path)
    for child in d.element.body.iterchildren():
        tag = child.tag.split('}')[1]
        if tag == 'p':
            p = Paragraph(child, d)
            yield ('P', p.style.name, p.text)
        elif tag == 'tbl':
            t = Table(child, d)
            rows = [[' / '.join(p.text for p in c.paragraphs) for c in r.cells] for r in t.rows]
            yield ('T', rows)
    s = d.sections[0]
    yield ('PAGE', round(s.page_width.mm), round(s.page_height.mm))


def odt_blocks(path):
    from odf import opendocument, style, table, teletype
    doc = opendocument.load(path)

    def text(el):
        return teletype.extractText(el)

    for el in doc.text.childNodes:
        q = el.qname[1]
        if q in ('p', 'h'):
            yield ('P', el.getAttribute('stylename'), text(el))
        elif q == 'table':
            rows = []
            for r in el.getElementsByType(table.TableRow):
                rows.append([' / '.join(text(p) for p in c.childNodes)
                             for c in r.getElementsByType(table.TableCell)])
            yield ('T', rows)
    for pl in doc.automaticstyles.getElementsByType(style.PageLayout):
        for props in pl.getElementsByType(style.PageLayoutProperties):
            w, h = props.getAttribute('pagewidth'), props.getAttribute('pageheight')
            yield ('PAGE', round(float(w[:-2]) * 10), round(float(h[:-2]) * 10))


def blocks(path):
    return list(docx_blocks(path) if path.endswith('.docx') else odt_blocks(path))


def dump(path):
    for b in blocks(path):
        if b[0] == 'P':
            print('P %s | %s' % (b[1], b[2]))
        elif b[0] == 'T':
            print('T %dx%d' % (len(b[1]), len(b[1][0]) if b[1] else 0))
            for row in b[1]:
                print('| ' + ' | '.join(row) + ' |')
        else:
            print('PAGE %dx%d mm' % (b[1], b[2]))


def check(path, record_path):
    with open(record_path, encoding='utf-8') as f:
        rec = json.load(f)
    bs = blocks(path)
    # The document's text in order, isolate marks left out (they are no letters).
    flat = '\n'.join(b[2] if b[0] == 'P' else '\n'.join('\t'.join(r) for r in b[1])
                     for b in bs if b[0] in ('P', 'T'))
    flat = flat.replace('\u2068', '').replace('\u2069', '')
    pages = [b for b in bs if b[0] == 'PAGE']
    if not pages or (pages[0][1], pages[0][2]) != (210, 297):
        sys.exit('%s: pages are not A4: %s' % (path, pages))
    want = []
    for g in rec['guiding_questions']:
        want.append(('guiding question', g['text']))
        for n in g['notes']:
            want.append(('note', n['text']))
    for n in rec['other_notes']:
        want.append(('note', n['text']))
    at = 0
    for kind, t in want:
        i = flat.find(t, at)
        if i < 0:
            sys.exit('%s: %s not found in order: %s' % (path, kind, t))
        at = i + len(t)
    # Every speaker, Arabic and Chinese names too, in the order of the speeches.
    start = flat.find('Speeches')
    at = start
    for s in rec['speeches']:
        i = flat.find(s['name'], at)
        if i < 0:
            sys.exit('%s: speech %d by %s not found in order' % (path, s['n'], s['name']))
        at = i + len(s['name'])
    print('%s: %d guiding questions and notes, %d speakers in order, A4' %
          (path, len(want), len(rec['speeches'])))


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'dump':
        dump(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'check':
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)

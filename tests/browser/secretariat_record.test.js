// The secretariat's record section in Chromium: the record downloaded in
// JSON is byte for byte `gavel report --format json`, the PDF is a PDF and
// the calendar a calendar; a definition with errors, dropped on the page,
// shows every problem at its line (as `gavel validate` counts them) with the
// line itself; a good one, chosen with the file input, is checked, created
// on the secretariat's word, and its link opens the new meeting's page.
// axe-core finds nothing in each state, in English and in Arabic.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, launch, startServer, openPage, check, eq, axe, run, gavel } = require('./lib');

const BAD = path.join(ROOT, 'tests', 'definitions', 'several-errors.yaml');

// A small meeting with one secretariat person: the file the page loads.
const GOOD = `meeting:
  id: loaded-panel
  title: A panel loaded from the page
  body: Test commission
  starts: 2022-04-01T10:00
  ends: 2022-04-01T12:00
  timezone: Europe/Zurich
  venue: Room XVIII
  languages: [en, fr]
agenda:
  - id: discussion
    title: Discussion
    kind: discussion
    planned_minutes: 90
    speaking: {limit_minutes: 3, warning_minutes: 2}
people:
  - id: chair
    name: Chair Person
    group: member_state
    region: african
    mode: room
    roles: [chair]
  - id: org
    name: Organiser Person
    group: intergovernmental
    mode: room
    roles: [secretariat]
`;

async function download(page, fmt, dir) {
  const [dl] = await Promise.all([
    page.waitForEvent('download', { timeout: 60000 }),
    page.click(`#record [data-format="${fmt}"]`),
  ]);
  const file = path.join(dir, dl.suggestedFilename());
  await dl.saveAs(file);
  await page.waitForFunction(() => !document.querySelector('#record [aria-busy]'));
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
}

async function main() {
  const srv = await startServer({ commands: '{"type":"open_meeting"}\n{"type":"start_item","item":"opening"}\n' });
  const browser = await launch();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gavel-record-'));
  try {
    const page = await openPage(browser, srv.links.secretariat);
    await page.waitForSelector('#record [data-format="pdf"]');
    await axe(page, 'record section/en');

    // Downloads: the JSON is the command line's, byte for byte.
    const json = await download(page, 'json', dir);
    eq(json.name, 'cstd25-wsis-panel-record.json', 'the JSON file name');
    const cli = gavel(['report', '--db', srv.db, '--meeting', srv.meeting, '--format', 'json']);
    check(json.bytes.equals(Buffer.from(cli, 'utf8')), 'the downloaded JSON is gavel report --format json');
    check((await page.textContent('#record-note')).includes('cstd25-wsis-panel-record.json'), 'the page says what it downloaded');
    const t0 = Date.now();
    const pdf = await download(page, 'pdf', dir);
    console.log(`pdf: ${pdf.bytes.length} bytes in ${Date.now() - t0} ms`);
    eq(pdf.bytes.subarray(0, 5).toString(), '%PDF-', 'the PDF starts as one');
    const ics = await download(page, 'ics', dir);
    check(ics.bytes.toString().startsWith('BEGIN:VCALENDAR'), 'the agenda is a calendar');

    // A definition with errors, dropped on the page: every problem, at its line.
    let validate = '';
    try { gavel(['validate', '--json', BAD]); } catch (e) { validate = e.stdout; }
    const want = JSON.parse(validate).problems;
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'several-errors.yaml', { type: 'application/yaml' }));
      document.querySelector('#record .dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, fs.readFileSync(BAD, 'utf8'));
    await page.waitForSelector('#def-result[data-phase="problems"]');
    const shown = await page.$$eval('#record .def-problems > li', (lis) => lis.map((li) => ({
      line: Number(li.dataset.line), column: Number(li.dataset.column),
      message: li.querySelector('.def-msg').textContent, code: (li.querySelector('code') || {}).textContent || '',
    })));
    eq(shown.map((p) => [p.line, p.column, p.message]), want.map((p) => [p.line, p.column, p.message]), 'the problems are gavel validate\'s');
    const lines = fs.readFileSync(BAD, 'utf8').split('\n');
    for (const p of shown.filter((x) => x.line > 0)) check(p.code.includes(lines[p.line - 1]), `the problem at line ${p.line} shows the line`);
    check((await page.textContent('#def-status')).includes(String(want.length)), 'the count of problems is said');
    await axe(page, 'problems/en');
    await page.goto(`${page.url().split('?')[0]}?lang=ar`);
    await page.waitForSelector('html[lang="ar"]', { state: 'attached' });
    await page.waitForSelector('#record [data-format="pdf"]');
    await page.setInputFiles('#def-file', BAD);
    await page.waitForSelector('#def-result[data-phase="problems"]');
    eq(await page.evaluate(() => document.documentElement.dir), 'rtl', 'Arabic runs right to left');
    check((await page.textContent('#def-status')).includes('تعذّر'), 'the status is in Arabic');
    await axe(page, 'problems/ar');

    // A good definition: checked, then created; its link opens the new meeting.
    const good = path.join(dir, 'loaded-panel.yaml');
    fs.writeFileSync(good, GOOD);
    await page.click('#record [data-key="def-again"]');
    await page.setInputFiles('#def-file', good);
    await page.waitForSelector('#def-result[data-phase="valid"]');
    await axe(page, 'valid/ar');
    let exists = true;
    try { gavel(['state', '--db', srv.db, '--meeting', 'loaded-panel']); } catch (e) { exists = false; }
    check(!exists, 'the check alone creates nothing');
    await page.click('#record [data-key="def-create"]');
    await page.waitForSelector('#def-result[data-phase="created"]');
    await axe(page, 'created/ar');
    const st = JSON.parse(gavel(['state', '--db', srv.db, '--meeting', 'loaded-panel']));
    eq(st.meeting.title, 'A panel loaded from the page', 'the meeting is in the database');
    await page.click('#record [data-key="def-open"]');
    await page.waitForURL(/\/m\/loaded-panel\/secretariat/);
    await page.waitForSelector('body[data-seq]', { state: 'attached' });
    await page.waitForFunction(() => document.getElementById('m-title').textContent === 'A panel loaded from the page');
    await page.waitForSelector('#record [data-format="pdf"]');
    eq(page.problems, [], 'no page errors or CSP refusals');
    console.log(`loaded: ${want.length} problems shown, then loaded-panel created and opened`);
  } finally {
    await browser.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

run('browser/secretariat_record', main);

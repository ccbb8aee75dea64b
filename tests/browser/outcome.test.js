// From the floor to the summary, in Chromium: the rapporteur takes notes on
// the guiding question under discussion while a delegate speaks (the form
// fills in both), edits one and withdraws another, builds the Chair's
// summary from the notes and edits it; the secretariat edits a section too;
// the Chair approves it; the secretariat downloads the summary and the
// record as Word and OpenDocument, which independent readers
// (tests/integration/office_read.py) find complete. No page has an axe-core
// violation or a page error.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ROOT, launch, startServer, openPage, check, eq, axe, run } = require('./lib');


const SETUP = [
  '{"type":"open_meeting"}',
  '{"type":"start_item","item":"discussion","guiding_question":"gq2"}',
  '{"as":"aldoria","command":{"type":"request_floor"}}',
  '{"type":"next_speaker"}',
].join('\n') + '\n';

// The page's own address for another role page of the meeting.
function pageOf(page, name) {
  const u = new URL(page.url());
  u.pathname = u.pathname.replace(/[^/]+$/, name);
  return u.href;
}

const noteTexts = (page) => page.$$eval('#notes li', (lis) => lis.map((li) => li.querySelector('p, s').textContent));

async function main() {
  const srv = await startServer({ commands: SETUP });
  const browser = await launch();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gavel-outcome-'));
  try {
    const st = srv.state();
    const speech = st.floor.speech;
    check(speech && speech.person === 'aldoria', 'a delegate has the floor');

    // The rapporteur's page: the form is on the question and the speech under way.
    const rap = await openPage(browser, srv.links.rapporteur);
    await rap.waitForSelector('#note-form');
    eq(await rap.inputValue('#note-gq'), 'gq2', 'the note form is on the current guiding question');
    eq(await rap.inputValue('#note-speech'), String(speech.speech), 'the note form is about the speech under way');
    await axe(rap, 'rapporteur');
    await rap.fill('#note-text', 'Delegations asked for regional data hubs.');
    await rap.click('#note-save');
    await rap.waitForFunction(() => document.querySelectorAll('#notes li[data-note]').length === 1);
    let state = srv.state();
    eq([state.notes[0].guiding_question, state.notes[0].speech], ['gq2', speech.speech], 'the note is on gq2, about the speech');
    check((await rap.textContent('#notes li')).includes('Pieter van Houtem'), 'the list names the speech');

    // A second note on another question, chosen by hand; then withdrawn.
    await rap.selectOption('#note-gq', 'gq5');
    await rap.selectOption('#note-speech', '');
    await rap.fill('#note-text', 'A note taken by mistake.');
    await rap.click('#note-save');
    await rap.waitForFunction(() => document.querySelectorAll('#notes li[data-note]').length === 2);
    state = srv.state();
    eq([state.notes[1].guiding_question, state.notes[1].speech], ['gq5', null], 'the chosen question, no speech');
    await rap.click(`[data-key="withdraw-${state.notes[1].note}"]`);
    await rap.waitForSelector(`#notes li[data-note="${state.notes[1].note}"] s`);

    // The first note edited: the form takes it, the list shows the new text.
    const first = state.notes[0].note;
    await rap.click(`[data-key="edit-${first}"]`);
    eq(await rap.inputValue('#note-text'), 'Delegations asked for regional data hubs.', 'the form holds the note to edit');
    await rap.fill('#note-text', 'Delegations asked for regional data hubs and shared standards.');
    await rap.click('#note-save');
    await rap.waitForFunction(() => [...document.querySelectorAll('#notes li')].some((li) => li.textContent.includes('shared standards')));
    state = srv.state();
    eq(state.notes[0].text, 'Delegations asked for regional data hubs and shared standards.', 'the note is amended');
    check(state.notes[0].amended_at_ms !== null && state.notes[1].withdrawn_at_ms !== null, 'amended and withdrawn in the state');
    // The floor went on meanwhile: the form follows it again for the next note.
    check((await noteTexts(rap)).length === 2, 'both notes are listed');

    // The summary, built from the notes with one action.
    await rap.click('#sum-build');
    await rap.waitForSelector('#sum-gq-gq2');
    eq(await rap.inputValue('#sum-gq-gq2'), 'Delegations asked for regional data hubs and shared standards.', 'gq2 drafted from its note');
    eq(await rap.inputValue('#sum-gq-gq5'), '', 'the withdrawn note is left out');
    await rap.fill('#sum-key_messages', '- Data for development needs regional hubs.\n- التعاون الرقمي يحتاج إلى تمويل مستدام.');
    await rap.click('[data-key="save-key_messages"]');
    await rap.waitForFunction(() => /version 2/.test(document.getElementById('sum-status').textContent));
    await axe(rap, 'rapporteur with the summary');

    // The secretariat edits the recommendations from its own page.
    const sec = await openPage(browser, srv.links.secretariat);
    await sec.waitForSelector('#sum-recommendations');
    await sec.fill('#sum-recommendations', 'The Commission should support regional data hubs.');
    await sec.click('[data-key="save-recommendations"]');
    await sec.waitForFunction(() => /version 3/.test(document.getElementById('sum-status').textContent));
    // The rapporteur's page follows; an edit from an old version is refused with who changed it.
    await rap.waitForFunction(() => document.getElementById('sum-recommendations').value.includes('regional data hubs'));

    // The Chair approves version 3 (from the rapporteur's page of the meeting).
    const chair = await openPage(browser, srv.links.chair);
    await chair.goto(pageOf(chair, 'rapporteur'));
    await chair.waitForSelector('#sum-approve');
    check((await chair.textContent('#sum-approve')).includes('3'), 'the chair approves the version they read');
    await chair.click('#sum-approve');
    await chair.waitForFunction(() => /Approved by/.test(document.getElementById('sum-status').textContent));
    state = srv.state();
    eq(state.summary.approved && state.summary.approved.version, 3, 'version 3 is approved');
    await rap.waitForFunction(() => document.getElementById('sum-key_messages').readOnly);

    // The secretariat downloads the summary and the record as DOCX and ODT.
    await sec.waitForSelector('[data-key="summary_docx"]');
    const files = {};
    for (const key of ['summary_docx', 'summary_odt', 'record_docx', 'record_odt']) {
      const [dl] = await Promise.all([sec.waitForEvent('download', { timeout: 60000 }), sec.click(`[data-key="${key}"]`)]);
      const file = path.join(dir, dl.suggestedFilename());
      await dl.saveAs(file);
      files[key] = file;
      await sec.waitForFunction(() => !document.querySelector('#sum-downloads button[disabled]'));
    }
    eq(Object.values(files).map((f) => path.basename(f)),
      ['cstd25-wsis-panel-summary.docx', 'cstd25-wsis-panel-summary.odt', 'cstd25-wsis-panel-record.docx', 'cstd25-wsis-panel-record.odt'],
      'the files are named for what they are');
    const reader = path.join(ROOT, 'tests', 'integration', 'office_read.py');
    for (const key of ['summary_docx', 'summary_odt']) {
      const text = execFileSync('/usr/bin/python3', [reader, 'dump', files[key]], { encoding: 'utf8' });
      for (const want of ["Chair's summary", 'Approved by Ingrid Valmora', 'Data for development needs regional hubs.',
        'التعاون الرقمي يحتاج إلى تمويل مستدام.', 'regional data hubs and shared standards',
        'The Commission should support regional data hubs.', 'Annex', 'Pieter van Houtem']) {
        check(text.includes(want), `${key}: "${want}" read back`);
      }
      check(!text.includes('A note taken by mistake.'), `${key}: the withdrawn note is not in it`);
    }
    for (const key of ['record_docx', 'record_odt']) {
      const text = execFileSync('/usr/bin/python3', [reader, 'dump', files[key]], { encoding: 'utf8' });
      check(text.includes('Outcome record') && text.includes('Pieter van Houtem'), `${key}: the record read back`);
    }
    await axe(sec, 'secretariat with the summary');
    for (const p of [rap, sec, chair]) eq(p.problems, [], 'no page errors or CSP refusals');
  } finally {
    await browser.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

run('browser/outcome', main);

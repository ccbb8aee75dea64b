// The interpreters' page, in Chromium: the interpreter link lands on it; it
// shows who speaks next and now, in which language (from the definition:
// 陈思远 speaks Chinese, Prof. Restrepo Spanish; nothing said for Mr. Ekberg),
// or the one their request names (a delegate asks in French from their page),
// the written statement each filed, the clock and the guiding question, in
// large type; the booth downloads a statement before it is delivered (the
// room screen may not), the file it gets is the one filed, byte for byte;
// in Arabic the page turns right to left and names the languages in Arabic.
// No page has an axe-core violation, a page error or a refused script.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, launch, startServer, openPage, step, postCommand, check, eq, axe, run } = require('./lib');

const FILES = path.join(ROOT, 'tests', 'scenarios', 'statements');
const CHEN_PDF = path.join(FILES, 'chen-statement.pdf');
const HADDAD_DOCX = path.join(FILES, 'haddad-statement.docx');

const SETUP = [
  '{"type":"open_meeting"}',
  '{"type":"start_item","item":"panel","guiding_question":"gq1"}',
  // Filed before speaking, on the item: the booth prepares with them.
  `{"as":"chen","command":{"type":"attach_statement","item":"panel","file":${JSON.stringify(CHEN_PDF)}}}`,
  `{"as":"secretariat","command":{"type":"attach_statement","person":"haddad","item":"panel","file":${JSON.stringify(HADDAD_DOCX)}}}`,
].join('\n') + '\n';

// What the page's own link gets for a URL of the meeting (status only).
const statusOf = (page, url) => page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).status, url);

// The next speakers as the page lists them: [person, language, statement file].
const nextRows = (page) => page.$$eval('#next li', (lis) => lis.map((li) => {
  const lang = li.querySelector('[data-lang]');
  const a = li.querySelector('a[data-statement]');
  return [li.dataset.person, lang ? lang.dataset.lang : null, a ? a.getAttribute('download') : null];
}));

async function main() {
  const srv = await startServer({ commands: SETUP });
  const browser = await launch();
  try {
    const st = srv.state();
    eq(st.statements.map((x) => [x.person, x.speech]), [['chen', null], ['haddad', null]], 'two statements filed on the item');
    const chenHash = st.statements[0].hash;
    const sha = crypto.createHash('sha256').update(fs.readFileSync(CHEN_PDF)).digest('hex');
    eq(chenHash, sha, 'the log names the file by its SHA-256');

    check(srv.links.interpreter, 'gavel serve prints an interpreter link');
    const booth = await openPage(browser, srv.links.interpreter);
    check(new URL(booth.url()).pathname.endsWith('/interpreter'), `the interpreter link lands on the interpreters' page (${booth.url()})`);
    await booth.waitForSelector('#next li');

    // Before anyone speaks: the planned speakers, their languages and statements.
    eq(await nextRows(booth), [['chen', 'zh', 'chen-statement.pdf'], ['diallo', 'fr', null], ['restrepo', 'es', null]],
      'next: the planned speakers with the language each speaks and the statement filed');
    eq(await booth.textContent('#gq-text'), st.guiding_questions[0].text, 'the guiding question under discussion');
    eq(await booth.$$eval('#statements li', (lis) => lis.map((li) => li.dataset.statement)),
      st.statements.map((x) => String(x.statement)), 'every statement to hand is listed');
    check(!(await booth.isHidden('#st-all')), 'the archive of all statements is offered');

    // The booth reads a statement before it is delivered; the room screen may not.
    const url = `/api/v1/meetings/${srv.meeting}/statements/${chenHash}`;
    eq(await statusOf(booth, url), 200, 'the booth downloads an undelivered statement');
    eq(await statusOf(booth, `/api/v1/meetings/${srv.meeting}/statements?format=zip`), 200, 'and the archive');
    const screen = await openPage(browser, srv.links.viewer);
    eq(await statusOf(screen, url), 403, 'the room screen may not, before the speech');
    await axe(booth, 'interpreters (English)');

    // 陈思远 takes the floor: he is shown now, with Chinese and his statement.
    await step(booth, 'chen takes the floor', () => postCommand(srv, srv.links.chair, { type: 'next_speaker' }));
    eq(await booth.textContent('#who'), '陈思远', 'who speaks now');
    eq(await booth.getAttribute('#who-lang [data-lang]', 'data-lang'), 'zh', 'in which language');
    check(/Chinese/.test(await booth.textContent('#who-lang')), 'the language is named, not only tagged');
    check(!(await booth.isHidden('#big-clock')), 'the speaking clock runs');
    eq(await nextRows(booth), [['diallo', 'fr', null], ['restrepo', 'es', null], ['ekberg', '', null]],
      'next: those not heard yet; nothing said of Mr. Ekberg\'s language');
    const [dl] = await Promise.all([booth.waitForEvent('download', { timeout: 30000 }), booth.click('#who-statement a')]);
    eq(dl.suggestedFilename(), 'chen-statement.pdf', 'the statement keeps its name');
    const got = fs.readFileSync(await dl.path());
    eq(crypto.createHash('sha256').update(got).digest('hex'), sha, 'the file downloaded is the one filed');
    eq(await statusOf(screen, url), 200, 'once delivered, the room screen may read it too');

    // Readable from a booth: the speaker's name and the clock in large type.
    const px = (sel) => booth.$eval(sel, (e) => parseFloat(getComputedStyle(e).fontSize));
    check(await px('#who') >= 40, `the speaker's name is large (${await px('#who')} px)`);
    check(await px('#big-clock .big-clock') >= 100, `the clock is large (${await px('#big-clock .big-clock')} px)`);

    // In Arabic: right to left, the page's words and the languages' names in Arabic.
    await booth.selectOption('#lang', 'ar');
    await booth.waitForFunction(() => document.documentElement.dir === 'rtl');
    const ar = JSON.parse(fs.readFileSync(path.join(ROOT, 'web', 'i18n', 'ar.json'), 'utf8'));
    eq(await booth.textContent('#st-h'), ar['ip.statements'], 'the headings in Arabic');
    check(/الصينية/.test(await booth.textContent('#who-lang')), `Chinese named in Arabic (${await booth.textContent('#who-lang')})`);
    eq(await booth.evaluate(() => document.title.split(' · ')[0]), ar['ip.title'], 'the title in Arabic');
    await axe(booth, 'interpreters (Arabic)');

    // A delegate asks for the floor from their page in French, not their usual
    // English: the booth shows French for them.
    const del = await openPage(browser, srv.invite('aldoria'), null, { width: 390, height: 844 });
    await del.waitForSelector('#req-lang option', { state: 'attached' });
    eq(await del.inputValue('#req-lang'), 'en', 'the request form offers the usual language first');
    await del.selectOption('#req-lang', 'fr');
    await step(booth, 'aldoria asks for the floor in French', () => del.click('#req-go'));
    eq(srv.state().floor.list[0].language, 'fr', 'the request says French');
    eq((await nextRows(booth))[0], ['aldoria', 'fr', null], 'the booth shows the request\'s language');
    await axe(del, 'participant with the language field');

    // Read-only: the booth sends no command.
    const refused = await booth.evaluate(async () => {
      try { await window.gavelLive.send({ type: 'pause_speech' }); return null; } catch (e) { return e.message; }
    });
    check(refused, 'a command from the booth is refused');

    for (const p of [booth, screen, del]) eq(p.problems, [], `${new URL(p.url()).pathname}: no page errors`);
  } finally {
    await browser.close();
    await srv.stop();
  }
}

run('interpreter', main);

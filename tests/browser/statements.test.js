// Written statements from the pages, in Chromium: a panelist files her
// statement from her phone before speaking, on the item running; the
// secretariat files one for another panelist, sees a file that lies about
// its kind refused with the server's reason, withdraws a statement filed by
// mistake and downloads every statement as one archive, which holds the
// files as filed. The state and the log say the same; no axe-core violation,
// page error or refused script.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ROOT, launch, startServer, openPage, step, check, eq, axe, run } = require('./lib');

const FILES = path.join(ROOT, 'tests', 'scenarios', 'statements');

const SETUP = [
  '{"type":"open_meeting"}',
  '{"type":"start_item","item":"panel","guiding_question":"gq1"}',
].join('\n') + '\n';

const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');

async function main() {
  const srv = await startServer({ commands: SETUP });
  const browser = await launch();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gavel-statements-'));
  try {
    // A panelist, on her phone, before speaking.
    const text = 'Statement of Ms. Diallo-Fontaine\n\nCheck against delivery.\n';
    const mine = path.join(dir, 'diallo-statement.txt');
    fs.writeFileSync(mine, text);
    const pan = await openPage(browser, srv.invite('diallo'), null, { width: 390, height: 844 });
    await pan.waitForSelector('#st-card:not([hidden])');
    eq(await pan.inputValue('#st-for'), 'item:panel', 'her statement goes on the item running, by default');
    await pan.setInputFiles('#st-file', mine);
    await step(pan, 'diallo files her statement', () => pan.click('#st-go'));
    await pan.waitForSelector('#st-list li[data-statement]');
    let st = srv.state().statements;
    eq(st.map((x) => [x.person, x.item, x.speech, x.file_name, x.hash]), [['diallo', 'panel', null, 'diallo-statement.txt', sha256(text)]],
      'the state holds her statement, named by its SHA-256');
    check((await pan.textContent('#st-list')).includes('diallo-statement.txt'), 'her page lists it');
    await axe(pan, 'panelist with her statement');

    // The secretariat files for another panelist; a file that lies about its kind is refused.
    const sec = await openPage(browser, srv.links.secretariat);
    await sec.waitForSelector('#st-card:not([hidden])');
    await sec.selectOption('#st-person', 'haddad');
    await sec.waitForFunction(() => document.getElementById('st-for').value === 'item:panel');
    const liar = path.join(dir, 'haddad-statement.pdf');
    fs.writeFileSync(liar, 'not a PDF at all\n');
    await sec.setInputFiles('#st-file', liar);
    await sec.click('#st-go');
    await sec.waitForFunction(() => /Not filed/.test(document.getElementById('message').textContent));
    const says = await sec.textContent('#message');
    check(/text|PDF/.test(says), `the refusal says what the file is (${says})`);
    eq(srv.state().statements.length, 1, 'nothing was filed');
    await sec.setInputFiles('#st-file', path.join(FILES, 'haddad-statement.docx'));
    await step(sec, 'the secretariat files for haddad', () => sec.click('#st-go'));
    await sec.waitForFunction(() => document.querySelectorAll('#st-list li[data-statement]').length === 2);
    st = srv.state().statements;
    eq(st.map((x) => [x.person, x.by, x.file_name]), [['diallo', 'diallo', 'diallo-statement.txt'], ['haddad', 'secretariat', 'haddad-statement.docx']],
      'filed by the secretariat for haddad');

    // A statement filed by mistake is withdrawn.
    await sec.selectOption('#st-person', 'ekberg');
    await sec.setInputFiles('#st-file', path.join(FILES, 'chen-statement.pdf'));
    await step(sec, 'a statement for the wrong panelist', () => sec.click('#st-go'));
    const wrong = srv.state().statements.find((x) => x.person === 'ekberg');
    check(wrong, 'filed for ekberg');
    await step(sec, 'withdrawn', () => sec.click(`[data-key="st-withdraw-${wrong.statement}"]`));
    eq(srv.state().statements.map((x) => x.person), ['diallo', 'haddad'], 'withdrawn: two statements stand');
    await axe(sec, 'secretariat with the statements');

    // Every statement as one archive, the files as filed.
    const [dl] = await Promise.all([sec.waitForEvent('download', { timeout: 30000 }), sec.click('#st-zip')]);
    const zip = path.join(dir, dl.suggestedFilename());
    await dl.saveAs(zip);
    const listing = JSON.parse(execFileSync('python3', ['-c',
      'import sys, zipfile, hashlib, json; z = zipfile.ZipFile(sys.argv[1]); '
      + 'print(json.dumps([[n, hashlib.sha256(z.read(n)).hexdigest()] for n in z.namelist()]))', zip], { encoding: 'utf8' }));
    const hashes = listing.filter(([n]) => n !== 'index.csv').map(([, h]) => h).sort();
    eq(hashes, [sha256(text), sha256(fs.readFileSync(path.join(FILES, 'haddad-statement.docx')))].sort(), 'the archive holds the two files as filed');
    check(listing.some(([n]) => n === 'index.csv'), 'with its index');

    // The participant's page has the card too; the room screen has none.
    const del = await openPage(browser, srv.invite('aldoria'), null, { width: 390, height: 844 });
    await del.waitForSelector('#st-card:not([hidden])');
    eq(await del.$$eval('#st-list li[data-statement]', (l) => l.length), 0, 'a delegate sees only their own statements');
    for (const p of [pan, sec, del]) eq(p.problems, [], `${new URL(p.url()).pathname}: no page errors`);
  } finally {
    await browser.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

run('statements', main);

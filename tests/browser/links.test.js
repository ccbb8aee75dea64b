// Invitation links from the secretariat's page, in Chromium: the secretariat
// issues a person's link from the keyboard, copies it, a second browser (the
// person's) opens it and gets in, then the secretariat revokes it after the
// confirmation and the person's page is cut off and refused. On the way:
// the QR code is drawn, the print layout shows the card alone, a role link
// and a viewer link are issued, axe-core finds nothing with the card open,
// in English and in Arabic, and no page error or CSP refusal happens.
// Then links for everyone who has none: progress, when each link was last
// used, the CSV for a mail merge (a row a person, each link its own and
// working) and every card printed, one a page.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ROOT, launch, startServer, openPage, check, eq, run } = require('./lib');

const AXE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const KEYS = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'web', 'i18n', 'en.json'), 'utf8')));

async function axe(page, what) {
  await page.evaluate(AXE);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const v = res.violations.map((x) => `${x.id} (${x.impact}): ${x.help} — ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  eq(v, [], `${what}: axe-core violations`);
  const text = await page.evaluate(() => document.body.innerText);
  eq(KEYS.filter((k) => text.includes(k)), [], `${what}: no translation key shows`);
}

// The text of each page of a PDF (pdftotext, from poppler-utils).
function pdfPages(pdf) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gavel-cards-')), 'cards.pdf');
  fs.writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return text.split('\f').slice(0, -1);
}

// The ids of the links the list shows for a person, with their state.
async function personLinks(page, person) {
  return page.$$eval(`#links-people tr[data-person="${person}"] li[data-link]`,
    (lis) => lis.map((li) => ({ id: li.dataset.link, text: li.textContent })));
}

async function main() {
  const srv = await startServer();
  const browser = await launch();
  try {
    const sec = await openPage(browser, srv.links.secretariat, { lang: 'en' });
    await sec.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
    await sec.waitForSelector('#links-people button[data-key="new-lin"]');
    eq(await personLinks(sec, 'lin'), [], 'no link for lin yet');

    // Issue from the keyboard: focus the button, press Enter; the card takes the focus.
    await sec.focus('#links-people button[data-key="new-lin"]');
    await sec.keyboard.press('Enter');
    await sec.waitForSelector('#link-url');
    await sec.waitForFunction(() => document.activeElement && document.activeElement.id === 'link-card-h');
    const url = await sec.inputValue('#link-url');
    check(url.startsWith(`${srv.base}/join/`) && url.length === `${srv.base}/join/`.length + 43, `the card shows a link: ${url}`);
    const qr = await sec.$eval('.link-card svg.qr', (svg) => ({
      label: svg.getAttribute('aria-label'), box: svg.getAttribute('viewBox'), runs: (svg.querySelector('path').getAttribute('d').match(/M/g) || []).length,
    }));
    check(qr.label === 'QR code of the link' && /^0 0 \d+ \d+$/.test(qr.box) && qr.runs > 50, `the QR code is drawn: ${JSON.stringify(qr)}`);
    check((await sec.textContent('.link-card .who')).includes('Lin'), 'the card names the person');
    const listed = await personLinks(sec, 'lin');
    check(listed.length === 1 && /valid/.test(listed[0].text), `the list shows the link: ${JSON.stringify(listed)}`);
    check(!(await sec.evaluate(() => document.getElementById('links-people').textContent)).includes(url.split('/join/')[1]), 'the list never shows a token');

    // Copy: the clipboard holds the link, and the page says so.
    await sec.click('.link-card button[data-key="copy"]');
    await sec.waitForFunction(() => /copied/.test(document.querySelector('.link-card [role="status"]').textContent));
    eq(await sec.evaluate(() => navigator.clipboard.readText()), url, 'the clipboard holds the link');

    // Print: only the card shows, with the link written out, the date, the time
    // and the venue, on one A4 page.
    await sec.evaluate(() => { window.print = () => {}; });
    await sec.click('.link-card button[data-key="print"]');
    await sec.emulateMedia({ media: 'print' });
    const shown = await sec.evaluate(() => ({
      qr: getComputedStyle(document.querySelector('#print-area .qr')).display,
      table: document.getElementById('links-people').getClientRects().length,
      main: getComputedStyle(document.getElementById('main')).display,
      url: getComputedStyle(document.querySelector('#print-area .print-url')).display,
      text: document.getElementById('print-area').textContent,
    }));
    check(shown.qr !== 'none' && shown.table === 0 && shown.main === 'none' && shown.url === 'block', `the print layout shows the card alone: ${JSON.stringify(shown)}`);
    check(/Lin/.test(shown.text) && /2022/.test(shown.text) && /0?2:30/.test(shown.text) && /Palais des Nations/.test(shown.text) && shown.text.includes(url),
      `the card gives who, the date, the time, the venue and the link: ${shown.text}`);
    const pdf = await sec.pdf({ format: 'A4' });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    eq(pages, 1, 'one card prints on one page');
    await sec.emulateMedia({ media: 'screen' });
    await sec.evaluate(() => { document.body.classList.remove('print-link'); document.getElementById('print-area').replaceChildren(); });

    await axe(sec, 'secretariat/en with a card');

    // The person opens the link in a browser of their own and gets in.
    const lin = await openPage(browser, url, { lang: 'en' });
    check(/\/m\/cstd25-wsis-panel\/participant/.test(lin.url()), `the link lands on the participant page: ${lin.url()}`);
    await lin.waitForSelector('#conn[data-status="live"]', { state: 'attached' });

    // "Done" closes the card and gives the focus back.
    await sec.click('.link-card button[data-key="done"]');
    await sec.waitForFunction(() => !document.querySelector('.link-card') && document.activeElement.dataset.key === 'new-lin');

    // Revoke, from the keyboard: the first press asks, "Yes" revokes.
    const id = listed[0].id;
    await sec.focus(`button[data-key="revoke-${id}"]`);
    await sec.keyboard.press('Enter');
    await sec.waitForFunction((k) => document.activeElement.dataset.key === `yes-${k}`, id);
    await axe(sec, 'secretariat/en asking to confirm');
    // Cancel changes nothing.
    await sec.keyboard.press('Tab');
    await sec.keyboard.press('Enter');
    await sec.waitForFunction((k) => document.activeElement.dataset.key === `revoke-${k}`, id);
    check(/valid/.test((await personLinks(sec, 'lin'))[0].text), 'cancel keeps the link');
    await sec.keyboard.press('Enter');
    await sec.waitForFunction((k) => document.activeElement.dataset.key === `yes-${k}`, id);
    await sec.keyboard.press('Enter');
    await sec.waitForFunction(() => /revoked/i.test(document.getElementById('message').textContent));
    await sec.waitForFunction((k) => /revoked/.test(document.querySelector(`li[data-link="${k}"]`).textContent), id);
    const after = await personLinks(sec, 'lin');
    check(after.length === 1 && /revoked/.test(after[0].text) && !/valid/.test(after[0].text), `the list shows it revoked: ${JSON.stringify(after)}`);

    // The person's page is cut off and refused from then on.
    await lin.waitForSelector('#conn[data-status="revoked"]', { state: 'attached', timeout: 10000 });
    await lin.waitForFunction(() => /withdrawn/.test(document.getElementById('message').textContent), null, { timeout: 10000 });
    // It stops there: no retry is scheduled, the badge says why.
    check(/withdrawn/.test(await lin.textContent('#conn')), `the badge says the link was withdrawn: ${await lin.textContent('#conn')}`);
    eq(await lin.evaluate(async () => (await fetch(`/api/v1/meetings/cstd25-wsis-panel/snapshot`)).status), 403, 'the revoked link reads nothing');

    // Links for everyone who has none (lin again, whose link is revoked; not
    // chen, who has one), issued one after another with progress.
    await sec.click('#links-people button[data-key="new-chen"]');
    await sec.waitForSelector('#link-url');
    await sec.click('.link-card button[data-key="done"]');
    await sec.waitForFunction(() => !document.querySelector('.link-card'));
    const validOf = () => sec.$$eval('#links-people tr[data-person]', (trs) => trs.map((tr) => ({
      person: tr.dataset.person,
      valid: [...tr.querySelectorAll('li[data-link]')].filter((li) => /valid/.test(li.textContent)).length,
    })));
    const without = (await validOf()).filter((x) => x.valid === 0).map((x) => x.person);
    check(without.includes('lin') && !without.includes('chen') && without.length === (await validOf()).length - 1,
      `some people have no valid link: ${without.join(' ')}`);
    await sec.click('button[data-key="issue-all"]');
    await sec.waitForSelector('button[data-key="csv"]', { timeout: 60000 });
    check((await sec.textContent('.batch [role="status"]')).startsWith(`Links issued: ${without.length}.`),
      `the page says how many were issued: ${await sec.textContent('.batch [role="status"]')}`);
    // The list is read again after the last link (the CSV button comes before
    // that answer): wait for it, as a loaded machine answers late.
    await sec.waitForFunction(() => [...document.querySelectorAll('#links-people tr[data-person]')]
      .every((tr) => [...tr.querySelectorAll('li[data-link]')].filter((li) => /valid/.test(li.textContent)).length === 1),
    null, { timeout: 20000 }).catch(() => {});
    check((await validOf()).every((x) => x.valid === 1), `everyone now holds one valid link: ${JSON.stringify(await validOf())}`);

    // When each link was last used: lin's revoked link opened the page, the new ones nothing yet.
    const linNow = await personLinks(sec, 'lin');
    check(linNow.length === 2 && linNow.some((l) => /revoked/.test(l.text) && /last used/.test(l.text)) &&
      linNow.some((l) => /valid/.test(l.text) && /never used/.test(l.text)), `lin's links say when they were used: ${JSON.stringify(linNow)}`);

    // The CSV for a mail merge: a row a person with the link, the date, the time and the venue.
    const [dl] = await Promise.all([sec.waitForEvent('download'), sec.click('button[data-key="csv"]')]);
    eq(dl.suggestedFilename(), 'cstd25-wsis-panel-links.csv', 'the file is named after the meeting');
    const csv = fs.readFileSync(await dl.path(), 'utf8');
    check(csv.startsWith('\ufeff'), 'the CSV opens as UTF-8 in a spreadsheet (byte order mark)');
    const rows = csv.slice(1).split('\r\n').filter((r) => r);
    eq(rows[0], 'name,function,affiliation,roles,mode,link,meeting,date,time,time_zone,venue,online_link', 'the CSV header');
    eq(rows.length - 1, without.length, 'a CSV row for each link issued');
    const tokens = new Set(rows.slice(1).map((r) => (new RegExp(`${srv.base}/join/([A-Za-z0-9_-]{43})`).exec(r) || [])[1]));
    check(tokens.size === without.length && !tokens.has(undefined), 'each row holds its own link');
    check(rows.slice(1).every((r) => /2022/.test(r) && /Palais des Nations/.test(r) && /Europe\/Zurich/.test(r)),
      `each row gives the date, the zone and the venue: ${rows[1]}`);
    const linRow = rows.find((r) => r.startsWith('林美华 (Lin Meihua),'));
    check(linRow, `a row for lin: ${rows.slice(1, 4).join(' | ')}`);
    const linToken = new RegExp(`${srv.base}/join/([A-Za-z0-9_-]{43})`).exec(linRow)[1];
    const read = await fetch(`${srv.base}/api/v1/meetings/${srv.meeting}/snapshot`, { headers: { authorization: `Bearer ${linToken}` } });
    eq(read.status, 200, "lin's new link from the CSV opens the meeting");
    const me = await read.json();
    eq(me.you && me.you.person, 'lin', "lin's new link acts as lin");

    // Every card printed, one a page.
    await sec.evaluate(() => { window.print = () => {}; });
    await sec.click('button[data-key="print-all"]');
    await sec.emulateMedia({ media: 'print' });
    eq(await sec.$$eval('#print-area .print-card', (c) => c.length), without.length, 'a card for each link in the print area');
    const all = await sec.pdf({ format: 'A4' });
    eq((all.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length, without.length, 'as many printed pages as cards');
    eq(pdfPages(all).map((text) => (text.match(/Invitation to/g) || []).length), without.map(() => 1), 'one card on each printed page');
    await sec.emulateMedia({ media: 'screen' });
    await sec.evaluate(() => { document.body.classList.remove('print-link'); document.getElementById('print-area').replaceChildren(); });
    await sec.click('button[data-key="batch-done"]');
    await sec.waitForFunction(() => !document.querySelector('.batch') && document.activeElement.dataset.key === 'issue-all');

    // A role link and a viewer link from the form; the viewer's lands on the room screen.
    await sec.selectOption('#links-for', 'panelist');
    await sec.fill('#links-note', 'tablet at the podium');
    await sec.click('button[data-key="issue-shared"]');
    await sec.waitForSelector('#link-url');
    check((await sec.textContent('#links-shared')).includes('tablet at the podium'), 'the role link is listed with its note');
    eq(await sec.textContent('.link-card .who'), 'Panelist (anyone who holds the role)', 'the card names the role');
    await sec.click('.link-card button[data-key="done"]');
    await sec.selectOption('#links-for', 'viewer');
    await sec.click('button[data-key="issue-shared"]');
    await sec.waitForSelector('#link-url');
    const screenUrl = await sec.inputValue('#link-url');
    eq(await sec.textContent('.link-card .who'), 'Viewer: room screen or livestream (read only)', 'the card names the viewer');
    const screen = await openPage(browser, screenUrl, { lang: 'en' });
    check(/\/screen/.test(screen.url()), `the viewer link lands on the screen: ${screen.url()}`);
    await screen.context().close();
    // The same link's overlay for the livestream, given beside it: it lands on the overlay.
    eq(await sec.inputValue('#overlay-url'), `${screenUrl}?to=overlay`, 'the card gives the overlay\'s link');
    const ov = await openPage(browser, await sec.inputValue('#overlay-url'), { lang: 'en' });
    check(/\/overlay/.test(ov.url()), `the overlay's link lands on the overlay: ${ov.url()}`);
    await ov.context().close();

    // The same in Arabic, right to left, with the card open.
    await sec.selectOption('#lang', 'ar');
    await sec.waitForSelector('html[dir="rtl"]', { state: 'attached' });
    await sec.waitForFunction(() => document.querySelector('#links-people button[data-key="new-lin"]').textContent.includes('رابط جديد'));
    await axe(sec, 'secretariat/ar with a card');

    eq(sec.problems, [], 'secretariat: no page errors or CSP refusals');
    eq(lin.problems.filter((p) => !/403|401/.test(p)), [], 'participant: no page errors or CSP refusals');
    console.log('issued, copied, printed, joined, revoked and refused; a role and a viewer link issued');
  } finally {
    await browser.close();
    await srv.stop();
  }
}

run('browser/links', main);

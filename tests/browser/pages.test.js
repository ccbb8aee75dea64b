// Every page, in English and in Arabic (and the role pages in Chinese), in
// the middle of a discussion: axe-core finds no accessibility violation; the
// Arabic page runs right to left; no translation key shows through; no page
// error or CSP refusal.
// Then the clock's warning and its limit are announced to screen readers
// (aria-live) when they happen.
//
// With GV_SCREENSHOTS=1 it also writes docs/screenshots/<page>-<lang>.png,
// the pictures the README shows (and the room screen in Chinese).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, launch, startServer, openPage, waitSeq, check, eq, run, postCommand: post } = require('./lib');

const AXE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const KEYS = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'web', 'i18n', 'en.json'), 'utf8')));
const SHOTS = process.env.GV_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'screenshots') : null;

// The meeting as the pages find it: the discussion under way, a list of
// speakers from the room and online, questions with votes, a note, and a
// panelist answering.
const SETUP = [
  { type: 'open_meeting' },
  ...['aldoria', 'dunmere', 'corvania', 'adeyemi', 'haddad', 'diallo'].map((p) => ({ as: p, command: { type: 'check_in' } })),
  ...['bexland', 'estavia', 'lin', 'qasimar', 'chen'].map((p) => ({ as: p, command: { type: 'join' } })),
  { type: 'start_item', item: 'discussion' },
  { type: 'set_guiding_question', guiding_question: 'gq4' },
  { as: 'bexland', command: { type: 'request_floor', kind: 'question', to: 'haddad', guiding_question: 'gq4' } },
  { type: 'next_speaker' },
  { type: 'end_speech' },
  { as: 'aldoria', command: { type: 'request_floor', guiding_question: 'gq4' } },
  { as: 'lin', command: { type: 'request_floor' } },
  { as: 'qasimar', command: { type: 'request_floor', kind: 'point_of_order' } },
  { as: 'adeyemi', command: { type: 'request_floor', guiding_question: 'gq4' } },
  { as: 'lin', command: { type: 'ask_question', text: 'How can countries with weak connectivity take part in digital cooperation on equal terms?' } },
  { as: 'estavia', command: { type: 'ask_question', text: '¿Cómo medirá la CSTD si los datos para el desarrollo llegan a todos?', anonymous: true } },
  { as: 'qasimar', command: { type: 'ask_question', text: 'ما الذي يمكن أن تفعله اللجنة لتعزيز التعاون الرقمي؟', to: 'haddad' } },
  { type: 'add_note', text: 'Data for development: access to data is as uneven as access to networks.', guiding_question: 'gq4' },
  { type: 'give_floor', person: 'haddad', limit_ms: 300000, warning_ms: 240000 },
];
const VOTES = [['aldoria', 0], ['bexland', 0], ['dunmere', 0], ['corvania', 1], ['adeyemi', 0], ['chen', 2]];

function prepare(db) {
  db.apply(`${SETUP.map((c) => JSON.stringify(c)).join('\n')}\n`);
  const qids = db.state().questions.map((q) => q.question);
  const lines = qids.map((q) => JSON.stringify({ type: 'approve_question', question: q }));
  for (const [who, i] of VOTES) lines.push(JSON.stringify({ as: who, command: { type: 'upvote', question: qids[i] } }));
  lines.push(JSON.stringify({ type: 'show_question', question: qids[0] }));
  db.apply(`${lines.join('\n')}\n`);
}

async function main() {
  const srv = await startServer({ prepare });
  const st = srv.state();
  check(st.floor.list.length >= 3 && st.floor.speech && st.questions.every((q) => q.state === 'visible'), 'the setup holds a discussion');
  const browser = await launch();
  const seen = [];
  try {
    const links = {
      console: [srv.links.chair, null],
      participant: [srv.invite('aldoria'), { width: 390, height: 844 }],
      panelist: [srv.invite('haddad'), { width: 390, height: 844 }],
      screen: [srv.links.viewer, { width: 1920, height: 1080 }],
      overlay: [srv.links.viewer, { width: 1280, height: 720 }],
      secretariat: [srv.links.secretariat, null],
      rapporteur: [srv.links.rapporteur, null],
      speakers: [srv.links.secretariat, null],
      interpreter: [srv.links.interpreter, { width: 1920, height: 1080 }],
    };
    const open = {};
    for (const lang of ['en', 'ar']) {
      for (const [name, [link, vp]] of Object.entries(links)) {
        const page = await openPage(browser, link, { lang }, vp);
        if (name === 'overlay' || name === 'speakers') {
          // The overlay is the screen's neighbour; the lists page the secretariat's, on an
          // item it may still arrange.
          await page.goto(name === 'overlay' ? page.url().replace('/screen', '/overlay')
            : page.url().replace('/secretariat', '/speakers').replace('?', '?item=closing&'));
          await page.waitForSelector('body[data-seq]', { state: 'attached' });
        }
        await waitSeq(page, st.seq);
        await page.waitForSelector(`html[lang="${lang}"]`, { state: 'attached' });
        await page.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
        if (name === 'secretariat') await page.waitForFunction(() => !document.getElementById('record').textContent.includes('…'));
        eq(await page.evaluate(() => document.documentElement.dir), lang === 'ar' ? 'rtl' : 'ltr', `${name}/${lang}: direction`);
        const text = await page.evaluate(() => document.body.innerText);
        const leaked = KEYS.filter((k) => text.includes(k));
        eq(leaked, [], `${name}/${lang}: no translation key shows`);
        check(!/\[object |undefined|NaN/.test(text), `${name}/${lang}: no object, undefined or NaN in the text`);
        if (name === 'participant') {
          // On the list, with the status line saying where and why: the floor's button (here
          // "Withdraw my request") still above the fold.
          const box = await page.locator('#mine button[data-key^="withdraw-"]').boundingBox();
          check(box && box.y + box.height <= vp.height, `participant/${lang}: the floor's button is above the fold of a 390x844 phone (bottom at ${box && box.y + box.height})`);
        }
        await page.evaluate(AXE);
        const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
        const v = res.violations.map((x) => `${x.id} (${x.impact}): ${x.help} — ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        eq(v, [], `${name}/${lang}: axe-core violations`);
        if (SHOTS) {
          fs.mkdirSync(SHOTS, { recursive: true });
          await page.screenshot({ path: path.join(SHOTS, `${name}-${lang}.png`), fullPage: name !== 'screen' && name !== 'overlay', omitBackground: name === 'overlay' });
        }
        eq(page.problems, [], `${name}/${lang}: no page errors or CSP refusals`);
        seen.push(`${name}/${lang}`);
        if (lang === 'en') open[name] = page; else await page.context().close();
      }
    }

    // In Chinese too: no violation, no key showing through; and the room screen's picture.
    for (const name of ['screen', 'console', 'participant', 'panelist', 'secretariat', 'rapporteur']) {
      const [link, vp] = links[name];
      const zh = await openPage(browser, link, { lang: 'zh' }, vp);
      await waitSeq(zh, st.seq);
      await zh.waitForSelector('html[lang="zh"]', { state: 'attached' });
      const text = await zh.evaluate(() => document.body.innerText);
      eq(KEYS.filter((k) => text.includes(k)), [], `${name}/zh: no translation key shows`);
      await zh.evaluate(AXE);
      const zv = (await zh.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))).violations.map((x) => `${x.id}: ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      eq(zv, [], `${name}/zh: axe-core violations`);
      if (SHOTS && name === 'screen') await zh.screenshot({ path: path.join(SHOTS, 'screen-zh.png') });
      eq(zh.problems, [], `${name}/zh: no page errors or CSP refusals`);
      seen.push(`${name}/zh`);
      await zh.context().close();
    }

    // The warning and the limit, announced as they happen.
    await post(srv, srv.links.chair, { type: 'end_speech' });
    // Seconds apart, so that a page on a loaded machine sees the speech before its warning.
    await post(srv, srv.links.chair, { type: 'give_floor', person: 'haddad', limit_ms: 8000, warning_ms: 4000 });
    for (const name of ['console', 'participant', 'panelist', 'screen']) {
      await open[name].waitForFunction(() => /minute left/.test(document.getElementById('announce').textContent), null, { timeout: 10000 }).catch((e) => { throw new Error(`${name}: ${e.message}`); });
    }
    for (const name of ['console', 'participant', 'panelist', 'screen']) {
      await open[name].waitForFunction(() => /time is up/.test(document.getElementById('announce').textContent), null, { timeout: 12000 });
      eq(await open[name].evaluate(() => document.getElementById('announce').getAttribute('aria-live')), 'assertive', `${name}: the announcement is live`);
    }
    check((await open.panelist.textContent('#cue')).includes('Your time is up'), 'the panelist is cued to conclude');
    // The overlay draws its clock on its own tick: wait for it, as for the other pages.
    await open.overlay.waitForFunction(() => document.getElementById('ov-clock').dataset.phase === 'over', null, { timeout: 12000 }).catch(() => {});
    eq(await open.overlay.evaluate(() => document.getElementById('ov-clock').dataset.phase), 'over', 'overlay: the clock shows over time');
    console.log(`checked ${seen.length} pages: ${seen.join(', ')}`);
  } finally {
    await browser.close();
    await srv.stop();
  }
}

run('browser/pages', main);

// The room screen and the livestream overlay, and the meeting in every
// language, in Chromium against a real server:
// - before the meeting opens the screen says when it starts, and so does
//   the overlay's lower third;
// - neither page carries furniture (language selector, "your time", a "Live"
//   badge while live); the overlay is transparent;
// - in each of the six languages the room screen holds in 1920x1080 with the
//   item, the speaker, three next speakers, the longest guiding question and
//   a question shown, and shows the definition's translations;
// - right to left: an English guiding question in the Arabic console keeps
//   its question mark at its end, names in the Arabic speakers' list stand
//   at the right, and an Arabic name in the English lower third at the left.
'use strict';
const path = require('node:path');
const { ROOT, launch, startServer, openPage, waitSeq, check, eq, run, gavel, postCommand: post } = require('./lib');

const LANGS = ['en', 'fr', 'es', 'ru', 'zh', 'ar'];
const HD = { width: 1920, height: 1080 };

// The example panel's definition without its translations.
function untranslated() {
  const v = JSON.parse(gavel(['validate', '--json', path.join(ROOT, 'examples', 'cstd-2022-high-level-panel.yaml')]));
  const strip = (x) => {
    if (Array.isArray(x)) x.forEach(strip);
    else if (x && typeof x === 'object') { delete x.translations; Object.values(x).forEach(strip); }
  };
  strip(v.definition);
  return v.definition;
}

// Everything the screen shows lies within the window, nothing scrolls.
async function holds(page, what) {
  await page.waitForFunction(() => document.documentElement.scrollHeight <= innerHeight && !document.getElementById('big-clock').hidden, null, { timeout: 5000 }).catch(() => {});
  const m = await page.evaluate(() => {
    const out = { sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight, w: innerWidth, h: innerHeight, off: [] };
    for (const id of ['m-title', 'item-title', 'who', 'who-sub', 'next', 'shown-q-text', 'gq-text', 'big-clock']) {
      const e = document.getElementById(id);
      if (!e || e.hidden || !e.textContent.trim()) continue;
      const r = e.getBoundingClientRect();
      if (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.left < -0.5 || r.top < -0.5) out.off.push(`${id} ${JSON.stringify(r)}`);
    }
    return out;
  });
  check(m.sh <= m.h && m.sw <= m.w, `${what}: the page fits ${m.w}x${m.h} (it is ${m.sw}x${m.sh})`);
  eq(m.off, [], `${what}: every part is inside the window`);
}

// The x of character i of the text node holding `needle` inside el.
async function charX(page, sel, needle, offset) {
  return page.evaluate(([s, n, o]) => {
    const walk = document.createTreeWalker(document.querySelector(s), NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      const i = node.data.indexOf(n);
      if (i < 0) continue;
      const r = document.createRange();
      r.setStart(node, i + o);
      r.setEnd(node, i + o + 1);
      return r.getBoundingClientRect().left;
    }
    return null;
  }, [sel, needle, offset]);
}

async function main() {
  const srv = await startServer();
  const browser = await launch();
  try {
    const def = srv.state();

    // ---- before the meeting: the start time, and no furniture --------------------
    const early = await openPage(browser, srv.links.viewer, { lang: 'en' }, HD);
    await early.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    const opens = await early.textContent('#item-title');
    check(/opens on .*2022 at 0?2:30/.test(opens), `the screen says when the meeting opens: ${opens}`);
    eq(await early.$$eval('select, #clocks, #role', (l) => l.length), 0, 'the screen has no language selector, clocks or badge');
    check(await early.isHidden('#conn'), 'no "Live" badge while live');
    check(!/your time/.test(await early.evaluate(() => document.body.innerText)), 'no "your time"');
    await early.context().close();
    // The overlay too, in its lower third: the meeting and when it opens.
    const earlyOv = await openPage(browser, srv.links.viewer, { lang: 'fr' }, { width: 1280, height: 720 });
    await earlyOv.goto(earlyOv.url().replace(/\/screen(\?|$)/, '/overlay$1'));
    await earlyOv.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    await earlyOv.waitForFunction(() => !document.getElementById('lower-third').hidden);
    eq(await earlyOv.textContent('#lt-name'), def.meeting.translations.fr.title, 'the overlay names the meeting in the reader\'s language before it opens');
    check(/2022/.test(await earlyOv.textContent('#lt-sub')) && /2:30|14:30|14 h 30/.test(await earlyOv.textContent('#lt-sub')),
      `the overlay says when the meeting opens: ${await earlyOv.textContent('#lt-sub')}`);
    eq(earlyOv.problems, [], 'overlay before opening: no page errors');
    await earlyOv.context().close();

    // ---- the discussion, with everything the screen can show ---------------------
    const chair = srv.links.chair;
    for (const c of [{ type: 'open_meeting' }, { type: 'start_item', item: 'discussion' }, { type: 'set_guiding_question', guiding_question: 'gq4' }]) await post(srv, chair, c);
    for (const p of ['aldoria', 'qasimar', 'lin', 'adeyemi']) await post(srv, srv.invite(p), { type: 'request_floor' });
    const q = await post(srv, srv.invite('dunmere'), { type: 'ask_question', text: 'How can the international community measure whether the data revolution reaches the people who need it most, in every region?' });
    await post(srv, chair, { type: 'approve_question', question: q.first_seq });
    await post(srv, chair, { type: 'show_question', question: q.first_seq });
    await post(srv, chair, { type: 'give_floor', person: 'haddad' });
    const st = srv.state();
    const gq = def.guiding_questions.find((g) => g.id === 'gq4');
    const item = def.agenda.find((i) => i.id === 'discussion');
    for (const lang of LANGS) {
      const screen = await openPage(browser, srv.links.viewer, { lang }, HD);
      await waitSeq(screen, st.seq);
      await screen.waitForSelector(`html[lang="${lang}"]`, { state: 'attached' });
      await screen.waitForFunction(() => document.body.dataset.fit !== undefined);
      await holds(screen, `screen/${lang}`);
      const want = (obj, f) => (lang !== 'en' && obj.translations[lang] && obj.translations[lang][f]) || obj[f];
      eq(await screen.textContent('#gq-text'), want(gq, 'text'), `screen/${lang}: the guiding question in the reader's language`);
      eq(await screen.textContent('#item-title'), want(item, 'title'), `screen/${lang}: the item in the reader's language`);
      eq(await screen.textContent('#m-title'), want(def.meeting, 'title'), `screen/${lang}: the title in the reader's language`);
      eq(await screen.$$eval('#next > li', (l) => l.length), 3, `screen/${lang}: three next speakers`);
      check(await screen.isVisible('#shown-q'), `screen/${lang}: the question shown`);
      eq(await screen.$$eval('select', (l) => l.length), 0, `screen/${lang}: no language selector`);
      eq(screen.problems, [], `screen/${lang}: no page errors`);
      await screen.context().close();
    }

    // ---- the overlay: transparent, no furniture, names aligned with the page -------
    const overlay = await openPage(browser, srv.links.viewer, { lang: 'en' }, { width: 1280, height: 720 });
    await overlay.goto(overlay.url().replace(/\/screen(\?|$)/, '/overlay$1'));
    await overlay.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    await overlay.waitForFunction(() => document.getElementById('lt-name').textContent.length > 0);
    const look = await overlay.evaluate(() => ({
      html: getComputedStyle(document.documentElement).backgroundColor,
      body: getComputedStyle(document.body).backgroundColor,
      selects: document.querySelectorAll('select').length,
    }));
    eq(look, { html: 'rgba(0, 0, 0, 0)', body: 'rgba(0, 0, 0, 0)', selects: 0 }, 'the overlay is transparent and has no selector');
    check(await overlay.isHidden('#conn'), 'the overlay shows no "Live" badge');
    eq(await overlay.textContent('#lt-name'), 'ليلى حداد', 'the lower third names the speaker');
    const lt = await overlay.evaluate(() => {
      const box = document.getElementById('lt-name').getBoundingClientRect();
      const name = document.querySelector('#lt-name bdi').getBoundingClientRect();
      return { gap: name.left - box.left, right: box.right - name.right };
    });
    check(lt.gap < 2 && lt.right > 20, `an Arabic name stands at the start of an English lower third: ${JSON.stringify(lt)}`);
    check(await overlay.isVisible('#ov-question'), 'the overlay shows the question put on screen');

    // ---- right to left, with a definition given in English only --------------------
    const plain = await startServer({ definition: untranslated() });
    try {
      for (const c of [{ type: 'open_meeting' }, { type: 'start_item', item: 'discussion' }, { type: 'set_guiding_question', guiding_question: 'gq2' }]) await post(plain, plain.links.chair, c);
      for (const p of ['aldoria', 'qasimar', 'lin']) await post(plain, plain.invite(p), { type: 'request_floor' });
      const con = await openPage(browser, plain.links.chair, { lang: 'ar' });
      await waitSeq(con, plain.state().seq);
      await con.waitForSelector('html[dir="rtl"]', { state: 'attached' });
      // An English guiding question in an Arabic line keeps its question mark at its end.
      const covid = await charX(con, '#now', 'COVID-19?', 0);
      const qmark = await charX(con, '#now', 'COVID-19?', 8);
      check(qmark !== null && covid !== null && qmark > covid, `the question mark follows COVID-19: ? at ${qmark}, C at ${covid}`);
      // Names in the Arabic list stand at the right of their entry.
      const names = await con.$$eval('#list > li[data-request]', (lis) => lis.map((li) => {
        const n = li.querySelector('strong').getBoundingClientRect();
        const b = li.getBoundingClientRect();
        return Math.round(b.right - n.right);
      }));
      check(names.length === 3 && names.every((d) => d < 4), `names stand at the right in the Arabic list: ${names}`);
      eq(con.problems, [], 'console/ar: no page errors');
    } finally {
      await plain.stop();
    }
    eq(overlay.problems, [], 'overlay: no page errors');
    console.log(`the screen holds 1920x1080 in ${LANGS.join(', ')}; overlay transparent; right-to-left checked`);
  } finally {
    await browser.close();
    await srv.stop();
  }
}

run('browser/screens', main);

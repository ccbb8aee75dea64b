// The list before the meeting, through the pages in Debian's Chromium. The
// discussion of the example panel is ordered by United Nations practice here
// (policy un), and the days before the meeting pass on the server's test
// clock (gavel serve --test-clock), moved forward through the log's times,
// never by sleeping:
//
//   day 0  the secretariat opens inscription for the discussion on the lists
//          page, from day 1 to day 4, typed in the meeting's time zone;
//          a delegate's page says nothing is open yet
//   day 1  aldoria inscribes from her phone as a Minister and sees her place;
//          bexland and dunmere inscribe (heads of delegation), and aldoria
//          stays first: a Minister goes before them
//   day 2  at their request the secretariat swaps aldoria's and dunmere's
//          places; aldoria's page shows her new place at once; the list
//          downloads as a PDF
//   day 5  the meeting opens and the discussion starts: the chair's console
//          shows the same list, in the same order; the events carry the
//          days the clock went through
// The pages are opened again after each jump of the clock, as people open
// them on another day: a page measures the server's clock when it connects.
'use strict';
const path = require('node:path');
const { ROOT, launch, startServer, openPage, step, check, eq, run, gavel } = require('./lib');

const PHONE = { width: 390, height: 844 };
const DAY = 86400000;
const HOUR = 3600000;

async function clock(srv, nowMs) {
  const r = await fetch(`${srv.base}/test/clock${nowMs ? `?now_ms=${nowMs}` : ''}`, { method: nowMs ? 'POST' : 'GET' });
  const j = await r.json();
  check(r.ok, `the test clock: ${JSON.stringify(j)}`);
  return j.now_ms;
}

// "YYYY-MM-DDTHH:MM" of a moment in the zone, as a datetime-local field takes it.
function wall(ms, zone) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(ms)) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

async function post(srv, token, as, cmd) {
  const r = await fetch(`${srv.base}/api/v1/meetings/${srv.meeting}/commands?as=${as}`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(cmd),
  });
  const body = await r.json();
  check(r.ok, `${as}: ${cmd.type}: ${body.message}`);
}

const order = (page, sel) => page.$$eval(sel, (rows) => rows.map((r) => r.dataset.person));

async function reopen(page) {
  await page.reload();
  await page.waitForSelector('#conn[data-status="live"]', { state: 'attached', timeout: 15000 });
}

async function main() {
  const def = JSON.parse(gavel(['validate', '--json', path.join(ROOT, 'examples', 'cstd-2022-high-level-panel.yaml')])).definition;
  def.agenda.find((i) => i.id === 'discussion').policy = 'un';
  const zone = def.meeting.timezone;
  const srv = await startServer({ definition: def, serveArgs: ['--test-clock'] });
  const browser = await launch();
  try {
    const day0 = await clock(srv);

    // Day 0: the secretariat opens inscription, from day 1 to day 4.
    const sec = await openPage(browser, srv.links.secretariat);
    await sec.goto(sec.url().replace(/\/secretariat.*$/, '/speakers?item=discussion'));
    await sec.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    check(!(await sec.isHidden('#manage')), 'the secretariat arranges the list');
    await sec.fill('#win-opens', wall(day0 + DAY, zone));
    await sec.fill('#win-closes', wall(day0 + 4 * DAY, zone));
    await step(sec, 'open inscription', () => sec.click('#window-form button[type="submit"]'));
    const win = srv.state().provisional.find((p) => p.item === 'discussion').inscription;
    check(Math.abs(win.opens_at_ms - (day0 + DAY)) < 60000, 'inscription opens on day 1, as typed in the meeting\'s zone');
    check(await sec.textContent('#ins-state') === 'Inscription is closed', 'not open yet on day 0');
    const aldoria = await openPage(browser, srv.invite('aldoria'), null, PHONE);
    await aldoria.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    check(await aldoria.isHidden('#ins-form'), 'no inscription form before the window opens');
    eq(await aldoria.textContent('#ins-none'), 'No list of speakers is open for inscription now.', 'aldoria is told nothing is open');

    // Day 1: aldoria inscribes as a Minister; two heads of delegation after her.
    await clock(srv, day0 + DAY + 2 * HOUR);
    await reopen(aldoria);
    await aldoria.waitForSelector('#ins-form:not([hidden])');
    await aldoria.selectOption('#ins-item', 'discussion');
    await aldoria.selectOption('#ins-level', 'minister');
    await step(aldoria, 'aldoria inscribes', () => aldoria.click('#ins-go'));
    await aldoria.waitForSelector('#ins-place-discussion');
    eq(await aldoria.textContent('#ins-place-discussion'), 'Your place: 1 of 1', 'aldoria sees her place');
    const participant = srv.links.participant.split('/join/')[1];
    await post(srv, participant, 'bexland', { type: 'inscribe', item: 'discussion' });
    await post(srv, participant, 'dunmere', { type: 'inscribe', item: 'discussion' });
    await aldoria.waitForFunction(() => /: 1 of 3$/.test(document.getElementById('ins-place-discussion').textContent));
    check((await aldoria.textContent('#ins-mine')).includes('member state, Minister'), 'aldoria sees why she is first');

    // Day 2: the secretariat swaps aldoria's and dunmere's places at their request.
    await clock(srv, day0 + 2 * DAY);
    await reopen(sec);
    eq(await order(sec, '#list tbody tr'), ['aldoria', 'bexland', 'dunmere'], 'a Minister before heads of delegation');
    const req = (who) => srv.state().provisional.find((p) => p.item === 'discussion').list.find((e) => e.person === who).request;
    await sec.selectOption(`[data-key="swap-with-${req('aldoria')}"]`, String(req('dunmere')));
    await step(sec, 'swap two places', () => sec.click(`[data-key="swap-${req('aldoria')}"]`));
    eq(await order(sec, '#list tbody tr'), ['dunmere', 'bexland', 'aldoria'], 'the two places swapped');
    check((await sec.textContent('#list tbody tr:first-child .why')).startsWith('swapped places with Aldoria'), 'why dunmere stands first');
    await aldoria.waitForFunction(() => /: 3 of 3$/.test(document.getElementById('ins-place-discussion').textContent));
    const pdf = await sec.evaluate(async () => {
      const r = await fetch(document.getElementById('dl-pdf').href);
      const b = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), magic: String.fromCharCode(...b.slice(0, 5)) };
    });
    eq(pdf, { status: 200, type: 'application/pdf', magic: '%PDF-' }, 'the list downloads as a PDF');
    const before = await order(sec, '#list tbody tr');

    // Day 5: the meeting; the discussion starts with the list as it stood.
    await clock(srv, day0 + 5 * DAY);
    const chair = await openPage(browser, srv.links.chair);
    await chair.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    await step(chair, 'open the meeting', () => chair.click('#btn-open'));
    await step(chair, 'start the discussion', () => chair.click('[data-key="start-discussion"]'));
    eq(await order(chair, '#list li[data-person]'), before, 'the console shows the list as it stood');
    await reopen(sec);
    eq(await order(sec, '#list tbody tr'), before, 'the lists page shows the running list');
    check(await sec.isHidden('#manage'), 'a running list is the chair\'s to arrange');

    // The log went through the days of the clock.
    const st = srv.state();
    const times = st.floor_requests.map((r) => r.requested_at_ms);
    check(times.every((t) => t >= day0 + DAY && t < day0 + 2 * DAY), 'the inscriptions were made on day 1');
    check(st.agenda.find((i) => i.id === 'discussion').started_at_ms >= day0 + 5 * DAY, 'the discussion started on day 5');
    for (const p of [sec, aldoria, chair]) check(!p.problems.length, p.problems.join('\n'));
  } finally {
    await browser.close();
    await srv.stop();
  }
}

run('speakers', main);

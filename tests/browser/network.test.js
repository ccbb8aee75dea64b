// A phone on bad Wi-Fi, through a proxy the test controls (netproxy.js),
// against a real server:
// - at 1.5 s of latency, "Request the floor" says it is sending, a second
//   tap sends nothing, and no error shows (the first tap succeeded);
// - when the network is cut, "Live" goes within 10 s, on the WebSocket (the
//   participant) and on SSE (the room screen);
// - a request made while cut is shown as not sent, then, once the network is
//   back, sent once: the log holds one request, not two;
// - the request button stands above the fold of a 390x844 phone;
// - with its translations slow to come, a page does not say "Live" before
//   it shows the meeting;
// - a stall that loses the answer (the request reaches the server, nothing
//   comes back): "Live" goes, no error shows, and once the network is back
//   the page says the person is on the list, the request in the log once
//   (the page learns its fate from the event carrying its command id, or
//   from the server's first answer when it sends the same id again).
'use strict';
const { launch, openPage, check, eq, run, gavel } = require('./lib');
const { serverBehindProxy } = require('./netproxy');

const PHONE = { width: 390, height: 844 };

function requestsBy(srv, person) {
  const log = gavel(['log', '--db', srv.db, '--meeting', srv.meeting]).trim().split('\n').map((l) => JSON.parse(l));
  return log.filter((e) => e.type === 'floor_requested' && e.person === person);
}

async function statusLine(page) { return page.textContent('#status-line'); }

// Waits until the connection badge leaves "live"; returns how long it took, in ms.
async function liveGoes(page, since) {
  await page.waitForFunction(() => document.getElementById('conn').dataset.status !== 'live', null, { timeout: 12000 });
  return Date.now() - since;
}

async function main() {
  const { srv, proxy, via } = await serverBehindProxy({
    commands: ['{"type":"open_meeting"}', '{"type":"start_item","item":"discussion"}',
      '{"as":"bexland","command":{"type":"join"}}', '{"as":"lin","command":{"type":"join"}}'].join('\n') + '\n',
  });
  const browser = await launch();
  try {
    // Every page goes through the proxy.
    const link = via(srv.invite('bexland'));
    const phone = await openPage(browser, link, { lang: 'en' }, PHONE);
    await phone.waitForSelector('#conn[data-status="live"]', { state: 'attached' });

    // The request button is above the fold.
    const box = await phone.locator('#req-go').boundingBox();
    check(box && box.y + box.height <= PHONE.height, `the request button is above the fold: bottom at ${box && box.y + box.height}`);

    // Slow link: the button says it is sending; a second tap sends nothing; no error.
    proxy.setLatency(1500);
    await phone.click('#req-go');
    await phone.waitForFunction(() => document.getElementById('req-go').getAttribute('aria-busy') === 'true');
    check(await phone.isDisabled('#req-go'), 'the button is disabled while the request is on its way');
    check(/Sending/.test(await statusLine(phone)), `the status line says it is sending: ${await statusLine(phone)}`);
    await phone.click('#req-go', { force: true }).catch(() => {});
    await phone.waitForFunction(() => /on the list/.test(document.getElementById('status-line').textContent), null, { timeout: 15000 });
    check(await phone.isHidden('#message'), `no error shows: ${await phone.textContent('#message')}`);
    eq(requestsBy(srv, 'bexland').length, 1, 'one request in the log after two taps');
    const first = requestsBy(srv, 'bexland')[0].request;
    await phone.click(`[data-key="withdraw-${first}"]`);
    await phone.waitForFunction(() => /not on the speakers' list/.test(document.getElementById('status-line').textContent), null, { timeout: 15000 });
    proxy.setLatency(0);

    // Translations slow to come: the connection is up before the page can
    // draw, and the page does not say Live until it shows the meeting.
    const held = await browser.newContext({ viewport: PHONE });
    let release;
    const translations = new Promise((r) => { release = r; });
    await held.route('**/static/i18n/*.json', async (route) => { await translations; await route.continue(); });
    const late = await held.newPage();
    await late.goto(srv.invite('bexland'), { waitUntil: 'commit' });
    await late.waitForFunction(() => window.gavelLive && window.gavelLive.status === 'live', null, { timeout: 15000 });
    eq(await late.evaluate(() => [document.getElementById('conn').dataset.status, document.body.dataset.seq || null]), ['connecting', null],
      'live but nothing drawn: the indicator says connecting');
    release();
    await late.waitForSelector('body[data-seq]', { state: 'attached', timeout: 15000 });
    eq(await late.evaluate(() => document.getElementById('conn').dataset.status), 'live', 'drawn: the indicator says live');
    await held.close();

    // The room screen, over SSE through the same proxy.
    const screen = await openPage(browser, via(srv.links.viewer), { transport: 'sse', lang: 'en' }, { width: 1920, height: 1080 });
    await screen.waitForSelector('#conn[data-status="live"]', { state: 'attached' });

    // Cut: "Live" goes within 10 s, on both transports.
    proxy.setCut(true);
    const cutAt = Date.now();
    const [wsMs, sseMs] = await Promise.all([liveGoes(phone, cutAt), liveGoes(screen, cutAt)]);
    check(wsMs < 10000, `the phone (WebSocket) stops saying Live within 10 s: ${wsMs} ms`);
    check(sseMs < 10000, `the room screen (SSE) stops saying Live within 10 s: ${sseMs} ms`);
    check(await screen.isVisible('#conn'), 'the room screen shows its connection once it is not live');

    // A request while cut: shown as not sent, with the way to give it up.
    await phone.click('#req-go');
    await phone.waitForFunction(() => /not been sent yet/.test(document.getElementById('status-line').textContent));
    check(await phone.isVisible('#unsent-box'), 'the unsent request is listed');
    check(/request for the floor/.test(await phone.textContent('#unsent-box')), 'it says what was not sent');
    eq(requestsBy(srv, 'bexland').length, 1, 'nothing reached the server while cut');

    // Restored: sent once, and the page is live again.
    proxy.setCut(false);
    await phone.waitForFunction(() => /on the list/.test(document.getElementById('status-line').textContent), null, { timeout: 30000 });
    await phone.waitForSelector('#conn[data-status="live"]', { state: 'attached', timeout: 30000 });
    await screen.waitForSelector('#conn[data-status="live"]', { state: 'attached', timeout: 30000 });
    check(await phone.isHidden('#unsent-box'), 'nothing is left unsent');
    const reqs = requestsBy(srv, 'bexland');
    eq(reqs.length, 2, 'the request made while cut is in the log once');
    const st = srv.state();
    eq(st.floor.list.filter((r) => r.person === 'bexland').length, 1, 'bexland is on the list once');
    check(await phone.isHidden('#message'), `no error shows after the reconnection: ${await phone.textContent('#message')}`);

    // A stall that loses the answer: lin's request reaches the server, its answer does not.
    const lin = await openPage(browser, via(srv.invite('lin')), { lang: 'en' }, PHONE);
    await lin.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
    await lin.evaluate(() => {
      window.sentRequests = [];
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (d) {
        if (typeof d === 'string' && d.includes('"request_floor"')) window.sentRequests.push(JSON.parse(d).cid);
        return send.call(this, d);
      };
    });
    proxy.setCut('down');
    const stallAt = Date.now();
    await lin.click('#req-go');
    for (let i = 0; i < 100 && requestsBy(srv, 'lin').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    eq(requestsBy(srv, 'lin').length, 1, 'the request reached the server during the stall');
    const stallMs = await liveGoes(lin, stallAt);
    check(stallMs < 10000, `"Live" goes within 10 s when nothing comes back: ${stallMs} ms`);
    check(!/on the list/.test(await statusLine(lin)), `the page does not claim what it was not told: ${await statusLine(lin)}`);
    proxy.setCut(false);
    await lin.waitForFunction(() => /on the list/.test(document.getElementById('status-line').textContent), null, { timeout: 30000 });
    await lin.waitForSelector('#conn[data-status="live"]', { state: 'attached', timeout: 30000 });
    check(await lin.isHidden('#message'), `no error shows for the request the server already had: ${await lin.textContent('#message')}`);
    check(await lin.isHidden('#unsent-box'), 'nothing is left unsent');
    eq(requestsBy(srv, 'lin').length, 1, 'the request is in the log once');
    const sent = await lin.evaluate(() => window.sentRequests);
    check(sent.length >= 1 && sent.every((c) => c === sent[0]), `every sending carried the same command id: ${JSON.stringify(sent)}`);
    eq(lin.problems, [], 'lin: no page errors or CSP refusals');
    eq(phone.problems, [], 'phone: no page errors or CSP refusals');
    eq(screen.problems, [], 'screen: no page errors or CSP refusals');
    console.log(`Live went after ${wsMs} ms (WebSocket) and ${sseMs} ms (SSE), ${stallMs} ms in a stall; lin's request sent ${sent.length} time(s), logged once; ${proxy.connections} connections through the proxy`);
  } finally {
    await browser.close();
    await srv.stop();
    await proxy.stop();
  }
}

run('browser/network', main);

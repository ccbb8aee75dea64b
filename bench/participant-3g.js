#!/usr/bin/env node
// The participant's page on a slow mobile link: Chromium's "Slow 3G"
// (2 s round trip, 50 kB/s each way) emulated over CDP
// (Network.emulateNetworkConditions), a phone-sized window, a fresh cache.
//
// Prints: the bytes transferred to open the page from the invitation link
// (HTTP and WebSocket), the time until the page is usable (the state drawn,
// the stream live, the request button there), the same files' size
// compressed with gzip, and what a burst of activity by others costs the
// phone afterwards (snapshots fetched, bytes, time to show the last change).
//
// Usage: node bench/participant-3g.js   (GAVEL=path/to/gavel to choose the binary)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { ROOT, launch, startServer } = require('../tests/browser/lib');

const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50000, uploadThroughput: 50000 };
const PEOPLE = ['dunmere', 'corvania', 'adeyemi', 'natarajan', 'verrano', 'bexland', 'estavia', 'lin', 'qasimar', 'moreau'];

function prepare(db) {
  const lines = [{ type: 'open_meeting' }, { type: 'start_item', item: 'discussion' }];
  for (const p of PEOPLE) lines.push({ as: p, command: { type: 'check_in' } });
  lines.push({ as: 'lin', command: { type: 'request_floor' } }, { as: 'bexland', command: { type: 'request_floor' } });
  lines.push({ as: 'lin', command: { type: 'ask_question', text: 'How can countries with weak connectivity take part on equal terms?' } });
  db.apply(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const q = db.state().questions[0].question;
  db.apply(`${JSON.stringify({ type: 'approve_question', question: q })}\n`);
}

async function post(srv, token, cmd) {
  const r = await fetch(`${srv.base}/api/v1/meetings/${srv.meeting}/commands`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(cmd),
  });
  if (!r.ok) throw new Error(`${cmd.type}: ${(await r.json()).message}`);
}

async function main() {
  const srv = await startServer({ prepare });
  const browser = await launch();
  try {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    let httpBytes = 0;
    let wsBytes = 0;
    const urls = new Map();
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
    cdp.on('Network.loadingFinished', (e) => { httpBytes += e.encodedDataLength; });
    cdp.on('Network.webSocketFrameReceived', (e) => { wsBytes += Buffer.byteLength(e.response.payloadData); });

    const link = srv.invite('aldoria');
    const t0 = Date.now();
    await page.goto(link, { waitUntil: 'commit' });
    await page.waitForSelector('#conn[data-status="live"]', { state: 'attached', timeout: 120000 });
    await page.waitForSelector('#req-go', { state: 'visible', timeout: 120000 });
    const usableMs = Date.now() - t0;
    const openHttp = httpBytes;
    const openWs = wsBytes;
    const files = [...new Set(urls.values())].filter((u) => u.includes('/static/') || u.includes('/m/'));

    // The same files, compressed: what a server that gzips would send.
    let raw = 0;
    let gz = 0;
    for (const u of files) {
      const p = new URL(u).pathname;
      const f = p.startsWith('/static/') ? path.join(ROOT, 'web', p.slice(8)) : path.join(ROOT, 'web', `${p.split('/').pop()}.html`);
      const data = fs.readFileSync(f);
      raw += data.length;
      gz += zlib.gzipSync(data, { level: 9 }).length;
    }

    // Others act: votes, requests, withdrawals. How much does the phone fetch?
    const fetchesBefore = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/snapshot')).length);
    const bytesBefore = httpBytes + wsBytes;
    const tokens = PEOPLE.map((p) => srv.invite(p).split('/join/')[1]);
    const q = srv.state().questions[0].question;
    const t1 = Date.now();
    for (let i = 0; i < tokens.length; i++) {
      await post(srv, tokens[i], { type: 'upvote', question: q });
      if (i % 3 === 0) await post(srv, tokens[i], { type: 'request_floor' }).catch(() => {});
    }
    const final = srv.state();
    await page.waitForFunction((s) => Number(document.body.dataset.seq) >= s, final.seq, { timeout: 120000 });
    const burstMs = Date.now() - t1;
    const fetches = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/snapshot')).length) - fetchesBefore;
    const events = final.seq - (final.seq - tokens.length - Math.ceil(tokens.length / 3));

    console.log('participant page over emulated Slow 3G (2000 ms RTT, 50 kB/s down and up):');
    console.log(`  files loaded: ${files.length} (${files.map((u) => new URL(u).pathname.replace('/static/', '')).join(', ')})`);
    console.log(`  transferred to open: ${openHttp} bytes over HTTP + ${openWs} bytes over the WebSocket = ${openHttp + openWs} bytes`);
    console.log(`  those files: ${raw} bytes as served, ${gz} bytes gzip -9 (budget 51200)`);
    console.log(`  time to usable (state drawn, live, request button): ${usableMs} ms`);
    console.log(`  then ${events} events by others in ${burstMs} ms: ${fetches} snapshot fetches, ${httpBytes + wsBytes - bytesBefore} bytes, last change shown after ${burstMs} ms`);
    if (gz > 51200) {
      console.error('the participant page is over its 50 KB compressed budget');
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
    await srv.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });

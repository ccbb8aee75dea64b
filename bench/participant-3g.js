#!/usr/bin/env node
// The participant's page on a slow mobile link: Chromium's "Slow 3G"
// (2,000 ms round trip, 50 kB/s each way) emulated over CDP
// (Network.emulateNetworkConditions), a phone-sized window, a fresh cache.
//
// Prints: the bytes transferred to open the page from the invitation link
// (HTTP and WebSocket), the time until the page is usable (the state drawn,
// the stream live, the request button there), the same files' size
// compressed with gzip; then the whole scripted panel
// (tests/scenarios/cstd-2022-panel.jsonl) is sent to the server, a command
// every GAP_MS (default 500), and for each event the time from its commit
// (the sender's acknowledgement) to the page showing it; with the bytes the
// phone received and the snapshots it fetched over the whole panel.
//
// Usage: node bench/participant-3g.js   (GAVEL=path/to/gavel, GAP_MS=...)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { ROOT, launch, startServer } = require('../tests/browser/lib');

const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50000, uploadThroughput: 50000 };
const GAP_MS = Number(process.env.GAP_MS || 500);
const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'cstd-2022-panel.jsonl');

async function post(srv, token, cmd) {
  const r = await fetch(`${srv.base}/api/v1/meetings/${srv.meeting}/commands`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(cmd),
  });
  const body = await r.json();
  if (!r.ok) throw new Error(`${cmd.type}: ${body.message}`);
  return body;
}

function pct(v, p) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

async function main() {
  const srv = await startServer({ serveArgs: ['--commands-per-second', '1000', '--command-burst', '1000'] });
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
    let snapshots = 0;
    const urls = new Map();
    cdp.on('Network.requestWillBeSent', (e) => {
      urls.set(e.requestId, e.request.url);
      if (e.request.url.includes('/snapshot')) snapshots++;
    });
    cdp.on('Network.loadingFinished', (e) => { httpBytes += e.encodedDataLength; });
    // The payload as the page reads it (inflated): the WebSocket's bytes on
    // the wire are not reported; the proxy of tests/browser/follow.test.js
    // counts those.
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
    let raw = 0;
    let gz = 0;
    for (const u of files) {
      const p = new URL(u).pathname;
      const f = p.startsWith('/static/') ? path.join(ROOT, 'web', p.slice(8)) : path.join(ROOT, 'web', `${p.split('/').pop()}.html`);
      const data = fs.readFileSync(f);
      raw += data.length;
      gz += zlib.gzipSync(data, { level: 9 }).length;
    }

    // The page notes when it shows each seq, on the machine's one clock.
    await page.evaluate(() => {
      window.shownAt = {};
      new MutationObserver(() => { window.shownAt[document.body.dataset.seq] = Date.now(); })
        .observe(document.body, { attributes: true, attributeFilter: ['data-seq'] });
    });
    const tokens = {};
    const lines = fs.readFileSync(SCENARIO, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => JSON.parse(l));
    for (const env of lines) if (!tokens[env.as]) tokens[env.as] = srv.invite(env.as).split('/join/')[1];
    const snapshotsBefore = snapshots;
    const bytesBefore = httpBytes + wsBytes;
    const committed = [];
    for (const env of lines) {
      const ack = await post(srv, tokens[env.as], env.command);
      committed.push([ack.last_seq, Date.now()]);
      await new Promise((r) => setTimeout(r, GAP_MS));
    }
    const last = committed[committed.length - 1][0];
    await page.waitForFunction((s) => Number(document.body.dataset.seq) >= s, last, { timeout: 120000 });
    const shownAt = await page.evaluate(() => window.shownAt);
    // An event is shown when the page first shows its seq or a later one.
    const seqs = Object.keys(shownAt).map(Number).sort((a, b) => a - b);
    const delays = committed.map(([seq, at]) => {
      const s = seqs.find((x) => x >= seq);
      return shownAt[s] - at;
    });
    const panelBytes = httpBytes + wsBytes - bytesBefore;

    console.log('participant page over emulated Slow 3G (2000 ms RTT, 50 kB/s down and up):');
    console.log(`  files loaded: ${files.length} (${files.map((u) => new URL(u).pathname.replace('/static/', '')).join(', ')})`);
    console.log(`  transferred to open: ${openHttp} bytes over HTTP + ${openWs} bytes of WebSocket messages = ${openHttp + openWs} bytes`);
    console.log(`  those files: ${raw} bytes as served, ${gz} bytes gzip -9 (budget 51200)`);
    console.log(`  time to usable (state drawn, live, request button): ${usableMs} ms`);
    console.log(`  then the scripted panel, ${committed.length} commands ${GAP_MS} ms apart, events up to seq ${last}:`);
    console.log(`    shown after their commit: p50 ${pct(delays, 0.5)} ms, p99 ${pct(delays, 0.99)} ms, max ${Math.max(...delays)} ms`);
    console.log(`    snapshots fetched: ${snapshots - snapshotsBefore}; received: ${panelBytes} bytes (${httpBytes + wsBytes} with the opening)`);
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

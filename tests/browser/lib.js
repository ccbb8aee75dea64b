// What the browser tests share: a real `gavel serve` on a fresh database, its
// invitation links, Debian's Chromium driven by playwright-core, and small
// checks that fail loudly.
//
// Chromium is the system's (/usr/bin/chromium, or $CHROMIUM); nothing is ever
// downloaded. Each person gets a browser context of their own, so cookies
// (the invitation's session) are not shared between pages.
'use strict';
const { spawn, execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = process.env.GV_SOURCE_DIR || path.resolve(__dirname, '..', '..');
const GAVEL = process.env.GAVEL || path.join(ROOT, 'build', 'gavel');
const LOADGEN = process.env.LOADGEN || path.join(path.dirname(GAVEL), 'gavel-loadgen');

function requirePlaywright() {
  try {
    return require(path.join(ROOT, 'node_modules', 'playwright-core'));
  } catch (e) {
    console.error('playwright-core is not installed: run scripts/install-npm (or make deps)');
    process.exit(1);
  }
}

function chromiumPath() {
  const p = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(p)) {
    console.error(`no Chromium at ${p}: install Debian's chromium (scripts/install-deps)`);
    process.exit(1);
  }
  return p;
}

// Launches Debian's Chromium headless. playwright-core gives every launch a
// fresh, temporary profile (--user-data-dir) and removes it afterwards.
async function launch() {
  const { chromium } = requirePlaywright();
  const args = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

function gavel(args, input) {
  return execFileSync(GAVEL, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

// A server on a free port over a new database holding the example meeting.
// commands: optional JSON lines applied (as chair unless enveloped) first;
// prepare({apply, state}): optional, to build the meeting in steps;
// definition: optional, another meeting's definition (a JSON object);
// serveArgs: optional, more options of `gavel serve` (['--test-clock']);
// listen: optional, the address (a free port on 127.0.0.1 by default).
async function startServer(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gavel-browser-'));
  const db = path.join(dir, 'panel.db');
  const meeting = opts.definition ? opts.definition.meeting.id : 'cstd25-wsis-panel';
  if (opts.definition) {
    const file = path.join(dir, 'definition.json');
    fs.writeFileSync(file, JSON.stringify(opts.definition));
    gavel(['init', '--db', db, file]);
  } else {
    gavel(['init', '--db', db]);
  }
  if (opts.commands) gavel(['apply', '--db', db, '--as', 'chair', '-'], opts.commands);
  if (opts.prepare) {
    opts.prepare({
      apply: (lines) => gavel(['apply', '--db', db, '--as', 'chair', '-'], lines),
      state: () => JSON.parse(gavel(['state', '--db', db, '--meeting', meeting])),
    });
  }
  const proc = spawn(GAVEL, ['serve', '--db', db, '--listen', opts.listen || '127.0.0.1:0', '--meeting', meeting,
    '--commands-per-second', '50', '--command-burst', '100', ...(opts.serveArgs || [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const links = {};
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gavel serve did not start:\n${out}\n${err}`)), 10000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[0-9.:]+)/.exec(out);
      if (m && /ready/.test(out)) {
        clearTimeout(timer);
        for (const l of out.matchAll(/^\s+(\w+): (http\S+)/gm)) links[l[1]] = l[2];
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`gavel serve exited ${code}:\n${out}\n${err}`)));
  });
  const server = {
    base, db, dir, links, proc, meeting,
    invite(person, baseUrl) { return gavel(['invite', '--db', db, '--meeting', meeting, '--base-url', baseUrl || base, person]).trim(); },
    state() { return JSON.parse(gavel(['state', '--db', db, '--meeting', meeting])); },
    async stop() {
      if (proc.exitCode !== null) return;
      const done = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await done;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

// A TCP proxy on a free loopback port in front of the server (point it there
// with target(port)): it counts, for each connection, the bytes sent back to
// the client (bytes), the first request line the client sent on it (first),
// and each request with the bytes that came back after it (requests). What a
// page receives, counted on the wire, with the headers and framing.
async function countingProxy() {
  const net = require('node:net');
  const conns = [];
  let port = 0;
  const server = net.createServer((client) => {
    // Each request on the connection (keep-alive reuses them: a page's
    // stream may follow its HTML on one), with the bytes that came back
    // after it: HTTP/1.1 answers in order, and a request is sent once the
    // previous answer is in (a stream's never is: nothing follows it).
    const c = { first: null, bytes: 0, requests: [] };
    conns.push(c);
    const up = net.connect(port, '127.0.0.1');
    client.on('data', (d) => {
      const text = d.toString('latin1');
      if (c.first === null) c.first = text.split('\r\n')[0];
      for (const m of text.matchAll(/(?:^|\r\n)([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/g)) c.requests.push({ method: m[1], path: m[2], bytes: 0 });
    });
    up.on('data', (d) => {
      c.bytes += d.length;
      if (c.requests.length) c.requests[c.requests.length - 1].bytes += d.length;
    });
    client.pipe(up);
    up.pipe(client);
    const end = () => { client.destroy(); up.destroy(); };
    client.on('error', end);
    up.on('error', end);
    client.on('close', end);
    up.on('close', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    conns,
    target(p) { port = p; },
    close() { server.close(); },
  };
}

// Opens an invitation link in a new context; extra query (lang, as,
// transport) is added to the page it lands on. Collects page errors and
// Content-Security-Policy refusals, which fail the test.
async function openPage(browser, link, query, viewport) {
  const ctx = await browser.newContext({ viewport: viewport || { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) page.problems.push(`CSP: ${m.text()}`);
  });
  await page.goto(link);
  if (query) {
    const u = new URL(page.url());
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    await page.goto(u.href);
  }
  await page.waitForSelector('body[data-seq]', { state: 'attached', timeout: 15000 });
  return page;
}

// Waits until the page shows the state at seq or later.
async function waitSeq(page, seq, timeout = 10000) {
  await page.waitForFunction((s) => Number(document.body.dataset.seq) >= s, seq, { timeout });
}

async function seqOf(page) { return Number(await page.evaluate(() => document.body.dataset.seq)); }

// Does something on a page and waits until that page shows a newer state;
// a refusal shown in #message fails the test with the server's words.
async function step(page, what, fn) {
  const before = await seqOf(page);
  await fn();
  try {
    await waitSeq(page, before + 1, 8000);
  } catch (e) {
    const msg = await page.evaluate(() => document.getElementById('message').textContent);
    throw new Error(`${what}: the page did not move on from seq ${before} (${msg || 'no message'})`);
  }
}

// Sends a command over HTTP with an invitation link (or its token), as that
// link's device would; resolves with the acknowledgement, throws with the
// server's words.
async function postCommand(srv, link, cmd) {
  const token = link.includes('/join/') ? link.split('/join/')[1] : link;
  const r = await fetch(`${srv.base}/api/v1/meetings/${srv.meeting}/commands`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(cmd),
  });
  const body = await r.json();
  if (!r.ok) throw new Error(`${cmd.type}: ${body.message}`);
  return body;
}

// The snapshot over HTTP with a link's token (its JSON).
async function snapshot(srv, token) {
  const r = await fetch(`${srv.base}/api/v1/meetings/${srv.meeting}/snapshot`, { headers: { authorization: `Bearer ${token}` } });
  check(r.ok, `snapshot: HTTP ${r.status}`);
  return r.json();
}

// The page's state and own part against a snapshot, compared in the page
// (keys sorted: a patched object may list its keys in another order): ''
// when equal, else what differs.
async function sameAsSnapshot(page, snap) {
  return page.evaluate((s) => {
    const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.keys(x).sort().map((key) => [key, x[key]])) : x));
    const live = window.gavelLive;
    const diff = [];
    if (!live.state || live.state.seq !== s.seq) diff.push(`seq ${live.state && live.state.seq} against ${s.seq}`);
    else if (canon(live.state) !== canon(s.state)) diff.push(`state ${canon(live.state).slice(0, 4000)}\n  snapshot ${canon(s.state).slice(0, 4000)}`);
    if (canon(live.you) !== canon(s.you)) diff.push(`you ${canon(live.you)} against ${canon(s.you)}`);
    return diff.join('; ');
  }, snap);
}

// gavel-loadgen --follow: one page-faithful client of the meeting on
// 127.0.0.1:port (the server, or a proxy in front of it) with a link's token;
// `following` resolves once it follows, `done` with its JSON once its state
// reached seq `until`. With check (the default) the generator fails on a
// lost connection, a gap or a snapshot fetched.
function follow(srv, token, until, transport, port, { check: strict = true } = {}) {
  let ready;
  const following = new Promise((r) => { ready = r; });
  const done = new Promise((resolve, reject) => {
    const p = execFile(LOADGEN, ['--target', 'gavel', '--port', String(port), '--meeting', srv.meeting,
      '--viewer-token', token, '--clients', '1', '--transport', transport, '--follow', String(until), '--json',
      '--max-seconds', '240', ...(strict ? ['--check'] : [])],
    (err, stdout, stderr) => {
      if (err) reject(new Error(`gavel-loadgen: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
    p.stderr.on('data', (d) => { if (/following/.test(d)) ready(); });
  });
  return { following, done };
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

function eq(a, b, what) {
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  if (sa !== sb) throw new Error(`check failed: ${what}\n  page:  ${sa}\n  state: ${sb}`);
}

// axe-core's accessibility check of the page as it stands: no violation,
// else each named with the first places it occurs. axe-core is loaded into
// the page once.
let axeSource = null;
async function axe(page, what) {
  if (!(await page.evaluate(() => !!window.axe))) {
    if (axeSource === null) axeSource = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await page.evaluate(axeSource);
  }
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const v = res.violations.map((x) => `${x.id} (${x.impact}): ${x.help} — ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  eq(v, [], `${what}: axe-core violations`);
}

// Runs main(), prints the ctest-friendly closing line, exits non-zero on failure.
function run(name, main) {
  const t0 = Date.now();
  main().then(() => {
    console.log(`${name}: ok in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log('1 passed, 0 failed');
    process.exit(0);
  }, (e) => {
    console.error(`${name}: FAILED: ${e.stack || e}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
}

module.exports = { ROOT, GAVEL, launch, startServer, countingProxy, openPage, waitSeq, seqOf, step, postCommand, snapshot, sameAsSnapshot, follow, check, eq, axe, run, gavel };

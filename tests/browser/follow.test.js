// Pages follow the meeting by its events: the scripted two-hour panel
// (tests/scenarios/cstd-2022-panel.jsonl) is sent to the server command by
// command while four pages are open: a participant on a phone, a panelist,
// the room screen (over SSE) and the chair's console. After every command,
// each page's state (and its person's own part) equals the snapshot of that
// seq, compared in the page; and no page makes a single request after it
// opened: the stream alone keeps them current.
//
// Beside the participant's page, gavel-loadgen follows the same meeting as
// one page-faithful client with the same link (--follow): it must make the
// same requests as the page did to the API and the streams, and receive the
// same bytes within 10%. So for each transport: the participant follows over
// the WebSocket on one page and over SSE on another, each held to a
// generator's client of that transport. The pages' bytes are counted on the
// wire, through a proxy in front of the server for each; the generators'
// clients go through proxies of their own, so that their requests are seen
// too: the same paths as the page's (the streams' ?resume=state included).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, launch, startServer, countingProxy, openPage, waitSeq, postCommand, check, eq, run, gavel, snapshot, sameAsSnapshot, follow } = require('./lib');

const SCENARIO = path.join(ROOT, 'tests', 'scenarios', 'cstd-2022-panel.jsonl');
const PHONE = { width: 390, height: 844 };

function scenario() {
  return fs.readFileSync(SCENARIO, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => JSON.parse(l));
}

// The seq the script ends at: the same script applied to a scratch database.
function finalSeq(dir) {
  const db = path.join(dir, 'scratch.db');
  // Defined before the script's first time: apply refuses a command dated
  // before the log's last event.
  gavel(['init', '--db', db, '--at', '1648726200000']);
  gavel(['apply', '--db', db, '--as', 'chair', SCENARIO]);
  return JSON.parse(gavel(['state', '--db', db, '--meeting', 'cstd25-wsis-panel'])).seq;
}

// Requests a page makes, from the moment it is watched.
function watchRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push(r.url()));
  page.on('websocket', (w) => seen.push(w.url()));
  return seen;
}

const isApi = (u) => /\/api\/|\/healthz/.test(u);

// The generator's client of a transport against the participant's page of
// that transport: the same requests to the API and the streams, the same
// bytes within 10%, and at most 1 MB for the page in all.
function sameAsPage(transport, g, requests, conns, genConns, until) {
  const pageApi = requests.filter(isApi);
  const paths = (cs) => cs.flatMap((c) => c.requests).map((r) => r.path).filter(isApi).sort();
  eq(paths(genConns), paths(conns), `${transport}: the generator asks for the page's paths`);
  const streamBytes = conns.flatMap((c) => c.requests).filter((r) => isApi(r.path)).reduce((a, r) => a + r.bytes, 0);
  const allBytes = conns.reduce((a, c) => a + c.bytes, 0);
  console.log(`participant page (${transport}): ${requests.length} requests (${pageApi.length} to the API and streams), `
    + `${allBytes} bytes received (${streamBytes} from the API and streams) over ${until - 1} events`);
  console.log(`gavel-loadgen's client (${transport}): ${g.readers.requests} requests, ${g.readers.bytes} bytes, `
    + `${g.readers.patches} patches, ${g.readers.fetched} snapshots fetched`);
  eq(g.readers.requests, pageApi.length, `${transport}: the generator makes the page's requests`);
  const ratio = g.readers.bytes / streamBytes;
  check(ratio > 0.9 && ratio < 1.1,
    `${transport}: the generator receives the page's bytes within 10% (${g.readers.bytes} against ${streamBytes})`);
  check(allBytes <= 1024 * 1024, `${transport}: the participant page received ${allBytes} bytes in all: at most 1 MB`);
}

async function main() {
  const proxy = await countingProxy();
  const proxySse = await countingProxy();
  const proxyGen = await countingProxy();
  const proxyGenSse = await countingProxy();
  const srv = await startServer({ serveArgs: ['--public-url', proxy.base, '--commands-per-second', '1000', '--command-burst', '1000'] });
  proxy.target(Number(new URL(srv.base).port));
  proxySse.target(Number(new URL(srv.base).port));
  proxyGen.target(Number(new URL(srv.base).port));
  proxyGenSse.target(Number(new URL(srv.base).port));
  const browser = await launch();
  try {
    const until = finalSeq(srv.dir);
    const tokens = {};
    for (const env of scenario()) if (!tokens[env.as]) tokens[env.as] = srv.invite(env.as).split('/join/')[1];

    // The participant through the proxy, so that its bytes are counted; the
    // others straight to the server (the printed links name the proxy).
    const direct = (link) => link.replace(proxy.base, srv.base);
    const aldoriaLink = srv.invite('aldoria', proxy.base);
    const chenLink = srv.invite('chen');
    const viewerLink = direct(srv.links.viewer);
    const chairLink = direct(srv.links.chair);
    const pages = {};
    const requests = {};
    const ctxP = await browser.newContext({ viewport: PHONE });
    const participant = await ctxP.newPage();
    requests.participant = watchRequests(participant);
    await participant.goto(aldoriaLink);
    await participant.waitForSelector('body[data-seq]', { state: 'attached', timeout: 15000 });
    pages.participant = participant;
    // The same participant over SSE, through a proxy of its own: the link's
    // cookie is taken first (outside the browser's connections), then the
    // page opens on SSE at once.
    const sseLink = srv.invite('aldoria', proxySse.base);
    const ctxS = await browser.newContext({ viewport: PHONE });
    const joined = await ctxS.request.get(sseLink, { maxRedirects: 0 });
    eq(joined.status(), 303, 'the link redirects to its page');
    const sseUrl = new URL(joined.headers().location, proxySse.base);
    sseUrl.searchParams.set('transport', 'sse');
    const participantSse = await ctxS.newPage();
    requests.participantSse = watchRequests(participantSse);
    await participantSse.goto(sseUrl.href);
    await participantSse.waitForSelector('body[data-seq]', { state: 'attached', timeout: 15000 });
    pages.participantSse = participantSse;
    pages.panelist = await openPage(browser, chenLink);
    pages.screen = await openPage(browser, viewerLink, { transport: 'sse' }, { width: 1920, height: 1080 });
    pages.chair = await openPage(browser, chairLink);
    const linkOf = {
      participant: aldoriaLink.split('/join/')[1],
      participantSse: sseLink.split('/join/')[1],
      panelist: chenLink.split('/join/')[1],
      screen: viewerLink.split('/join/')[1],
      chair: chairLink.split('/join/')[1],
    };
    for (const [name, p] of Object.entries(pages)) {
      await p.waitForSelector('#conn[data-status="live"]', { state: 'attached' });
      const problem = await sameAsSnapshot(p, await snapshot(srv, linkOf[name]));
      check(!problem, `${name} at opening: ${problem}`);
    }
    // Opening is over (the SSE page's clock syncs too): from here on, nothing.
    await new Promise((r) => setTimeout(r, 500));
    const opened = {};
    for (const name of Object.keys(pages)) {
      if (!name.startsWith('participant')) requests[name] = watchRequests(pages[name]);
      opened[name] = requests[name].length;
    }

    const gen = follow(srv, linkOf.participant, until, 'ws', new URL(proxyGen.base).port);
    const genSse = follow(srv, linkOf.participantSse, until, 'sse', new URL(proxyGenSse.base).port);
    await gen.following;
    await genSse.following;

    for (const env of scenario()) {
      const ack = await postCommand(srv, tokens[env.as], env.command);
      for (const [name, p] of Object.entries(pages)) {
        await waitSeq(p, ack.last_seq);
        const problem = await sameAsSnapshot(p, await snapshot(srv, linkOf[name]));
        check(!problem, `${name} after ${env.command.type} (seq ${ack.last_seq}): ${problem}`);
      }
    }
    const seq = srv.state().seq;
    eq(seq, until, 'the script ends where it ends on a scratch database');

    for (const [name, p] of Object.entries(pages)) {
      eq(requests[name].slice(opened[name]), [], `${name}: no request after opening`);
      eq(p.problems || [], [], `${name}: no page errors or CSP refusals`);
      eq(await p.evaluate(() => window.gavelLive.fetches), 0, `${name}: no snapshot fetched`);
    }

    // The generators' clients against the participant's pages.
    sameAsPage('ws', await gen.done, requests.participant, proxy.conns, proxyGen.conns, until);
    sameAsPage('sse', await genSse.done, requests.participantSse, proxySse.conns, proxyGenSse.conns, until);
  } finally {
    await browser.close();
    await srv.stop();
    for (const p of [proxy, proxySse, proxyGen, proxyGenSse]) p.close();
  }
}

run('browser/follow', main);

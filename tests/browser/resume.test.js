// A page whose stream drops while many events pass resumes from one snapshot
// on the stream (docs/protocol.md, "Resuming far behind"): the participant's
// page, over the WebSocket and over SSE (there through EventSource's own
// reconnection, which sends the stream's URL again with Last-Event-ID), is
// cut off behind a proxy while the chair makes 200 events and she asks a
// question, then let through again. Each page takes exactly one more
// snapshot from its stream and asks for none over HTTP; its state and her
// own part (with the question, which her view leaves out until approved)
// equal the server's snapshot, and the next event's patch applies to it.
// Over the WebSocket, none of the missed events comes. Beside each page,
// gavel-loadgen's page-faithful client of that transport, cut off by the same
// proxy, resumes the same way: one more snapshot on its stream, none
// fetched, no gap, and (over the WebSocket) the page's number of requests.
'use strict';
const { launch, waitSeq, check, eq, run, postCommand, snapshot, sameAsSnapshot, follow } = require('./lib');
const { serverBehindProxy } = require('./netproxy');

const MISSED = 200;

// Opens the participant's page through the proxy on a transport, and
// watches its requests and, over the WebSocket, the messages it receives.
async function openParticipant(browser, link, transport) {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.requestsSeen = [];
  page.on('request', (r) => page.requestsSeen.push(r.url()));
  page.sockets = [];
  page.on('websocket', (ws) => {
    const s = { url: ws.url(), types: [] };
    page.sockets.push(s);
    ws.on('framereceived', (f) => {
      const m = /^\{"type":"(\w+)"/.exec(typeof f.payload === 'string' ? f.payload : f.payload.toString());
      if (m) s.types.push(m[1]);
    });
  });
  const joined = await ctx.request.get(link, { maxRedirects: 0 });
  eq(joined.status(), 303, 'the link redirects to its page');
  const url = new URL(joined.headers().location, link);
  if (transport === 'sse') url.searchParams.set('transport', 'sse');
  await page.goto(url.href);
  await page.waitForSelector('#conn[data-status="live"]', { state: 'attached', timeout: 15000 });
  return page;
}

const counters = (page) => page.evaluate(() => ({ snapshots: window.gavelLive.snapshots, fetches: window.gavelLive.fetches }));

async function main() {
  const { srv, proxy, via } = await serverBehindProxy({
    commands: '{"type":"open_meeting"}\n',
    serveArgs: ['--commands-per-second', '1000', '--command-burst', '1000'],
  });
  const browser = await launch();
  try {
    const link = via(srv.invite('aldoria'));
    const token = link.split('/join/')[1];
    const pages = { ws: await openParticipant(browser, link, 'ws'), sse: await openParticipant(browser, link, 'sse') };
    const before = {};
    for (const [name, p] of Object.entries(pages)) {
      before[name] = { counters: await counters(p), requests: p.requestsSeen.length };
      eq(before[name].counters, { snapshots: 1, fetches: 0 }, `${name}: one snapshot at opening, from the stream`);
      check([...p.requestsSeen, ...p.sockets.map((s) => s.url)].some((u) => /\/(ws|events)\?(.*&)?resume=state/.test(u)), `${name}: the stream asks for resume=state`);
    }
    let flips = 0;
    const move = () => postCommand(srv, srv.links.chair, { type: 'set_guiding_question', guiding_question: flips++ % 2 ? 'gq2' : 'gq1' });

    // The generators follow until the event after the resume: one event
    // before the cut, the missed ones and her question, one after.
    const until = srv.state().seq + 1 + MISSED + 1 + 1;
    const port = new URL(link).port;
    const gens = { ws: follow(srv, token, until, 'ws', port, { check: false }), sse: follow(srv, token, until, 'sse', port, { check: false }) };
    await gens.ws.following;
    await gens.sse.following;
    // Their streams are open (a second one of each transport beside the
    // pages'), and an event goes through to everyone before the cut: the
    // generators' snapshots, written before it, are in.
    for (const t0 = Date.now(); ; await new Promise((r) => setTimeout(r, 50))) {
      const m = await (await fetch(`${srv.base}/metrics`)).text();
      const open = (t) => Number(new RegExp(`gavel_connections\\{transport="${t}"\\} (\\d+)`).exec(m)[1]);
      if (open('websocket') >= 2 && open('sse') >= 2) break;
      check(Date.now() - t0 < 10000, 'the generators\' streams opened within 10 s');
    }
    const warm = await move();
    for (const p of Object.values(pages)) await waitSeq(p, warm.last_seq);
    const wsSocketsBefore = pages.ws.sockets.length;

    // The network goes: nothing flows, the pages' connections are dropped
    // and their new ones hang, while the chair moves the meeting on.
    proxy.setCut(true);
    for (const p of proxy.pairs) { p.client.destroy(); p.upstream.destroy(); }
    for (let i = 0; i < MISSED; i++) await move();
    // Her own question, which her view leaves out until it is approved:
    // it comes back in her own part ("you"), after the snapshot.
    await postCommand(srv, token, { type: 'ask_question', text: 'Asked while the page was away?' });
    const head = srv.state().seq;
    proxy.setCut(false);

    for (const [name, p] of Object.entries(pages)) {
      await waitSeq(p, head, 20000);
      const problem = await sameAsSnapshot(p, await snapshot(srv, token));
      check(!problem, `${name} resumed: ${problem}`);
      eq(await counters(p), { snapshots: 2, fetches: 0 }, `${name}: resumed with one snapshot from the stream, none fetched`);
      eq(await p.evaluate(() => window.gavelLive.shown().questions.filter((q) => q.text === 'Asked while the page was away?').length), 1,
        `${name}: her question asked meanwhile is shown, from her own part`);
      const after = p.requestsSeen.slice(before[name].requests);
      check(!after.some((u) => /\/snapshot/.test(u)), `${name}: no HTTP snapshot request (${after.join(', ')})`);
    }
    // The resumed WebSocket: the snapshot, not the events missed.
    const resumed = pages.ws.sockets.slice(wsSocketsBefore).find((s) => s.types.includes('snapshot'));
    check(resumed, 'the WebSocket resumed with a snapshot message');
    check(/since=\d+/.test(resumed.url) && /resume=state/.test(resumed.url), `the resumed WebSocket's URL: ${resumed.url}`);
    eq(resumed.types.filter((t) => t === 'snapshot' || t === 'event'), ['snapshot'], 'the resumed WebSocket: one snapshot, no missed event');

    // Live again: the next event's patch applies to the snapshot's state.
    const ack = await move();
    for (const [name, p] of Object.entries(pages)) {
      await waitSeq(p, ack.last_seq);
      const problem = await sameAsSnapshot(p, await snapshot(srv, token));
      check(!problem, `${name} after the resume's next event: ${problem}`);
      eq((await counters(p)).fetches, 0, `${name}: still no snapshot fetched`);
      eq(p.problems, [], `${name}: no page errors`);
    }
    for (const [name, gen] of Object.entries(gens)) {
      const g = await gen.done;
      console.log(`gavel-loadgen's client (${name}): ${g.readers.requests} requests, ${g.readers.snapshots} snapshots on the stream, `
        + `${g.readers.fetched} fetched, ${g.readers.reopened} reconnection, ${g.readers.patches} patches`);
      const pageApi = [...pages[name].requestsSeen, ...pages[name].sockets.map((x) => x.url)].filter((u) => /\/api\/|\/healthz/.test(u));
      eq({ snapshots: g.readers.snapshots, fetched: g.readers.fetched, reopened: g.readers.reopened },
        { snapshots: 2, fetched: 0, reopened: 1 }, `${name}: the generator resumed from one snapshot on its stream`);
      eq(g.hold.gaps, 0, `${name}: the generator's client saw no gap`);
      eq(pageApi.filter((u) => /\/(ws|events)\?/.test(u)).length, 2, `${name}: the page opened its stream twice (${pageApi.join(', ')})`);
      // Over SSE the page may also have asked /healthz whether the silent
      // link was alive (its heartbeat, which the generator does not make).
      if (name === 'ws') eq(g.readers.requests, pageApi.length, `${name}: the generator makes the page's requests (${pageApi.join(', ')})`);
    }
  } finally {
    await browser.close();
    await srv.stop();
    await proxy.stop();
  }
}

run('browser/resume', main);

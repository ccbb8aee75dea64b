// The pages' one connection to a meeting (docs/protocol.md): a snapshot, then
// the stream of events after it.
//
// Transport: a WebSocket (subprotocol gavel.v1) that carries commands too; if
// it cannot be opened, Server-Sent Events for the stream and HTTP POST for
// commands (?transport=sse asks for that at once). Both resume from the last
// sequence number held (?since= / Last-Event-ID), so a reconnect misses
// nothing; a reader cut off for lagging is told to resync and starts again
// from a snapshot. The page keeps the state, not a record of every event, so
// it asks for resume=state (kept in the URL, which EventSource's own
// reconnection sends again): when the events missed weigh more than the
// view's snapshot, the server sends that snapshot on the stream instead, and
// it replaces the state held. Reconnects back off from 0.5 s to 15 s, with
// jitter.
//
// Views: the server sends each link its view (docs/protocol.md, "Views"):
// panelists, participants and viewers do not receive questions awaiting
// moderation, notes, voters or genders. A person's own part ("you": their
// hidden questions and their votes) comes after each snapshot and whenever an
// event changes it, and is merged into the state the page is shown.
//
// State: the pages show the meeting's state as the server folds it, from the
// stream alone. The snapshot comes on the stream when it opens; then an event
// may carry a patch (RFC 6902) that takes the view's state from `base` to the
// event's seq, and the client applies it. Events in between carry none (the
// server patches once per commit, for the events committed together). A
// patch whose base is not the state held means the page is out of step:
// then, and only then, it fetches a snapshot over HTTP. A snapshot replaces
// the state only if it is not older than the state held, so the state never
// goes back in time.
//
// Clock: the server's time is the truth. The offset is measured by round
// trips (WebSocket "sync", or GET /healthz), keeping the sample with the
// shortest round trip; countdowns are drawn from the speech's started_at,
// pauses and limit, never from ticking events.
//
// Status for the indicator: connecting (opening or catching up), live (caught
// up with the server's sequence), offline (waiting to retry), revoked (the
// link was withdrawn or never valid: no more retries).
//
// Heartbeat: a dead network closes nothing, so silence is watched. After
// HEARD_MS without a message the page asks (a WebSocket "sync"; over SSE, a
// GET /healthz, and the server's "ping" events keep the stream talking); after
// DEAD_MS of silence the connection is given up and opened again, so "Live"
// never outlasts a dead network by more than a few seconds.
//
// Commands: every command carries a client command id (cid, random) and waits
// in the outbox until its answer. A command that cannot be sent (offline), or
// whose answer was lost with the connection, stays there marked unsent and is
// sent again, with the same cid, once the page is live: the server answers a
// cid it has committed with its first answer instead of deciding it twice
// (one still being stored is answered busy, and asked again a second later).
// An event of the stream that carries an outbox cid settles it too. The page
// shows what is unsent (outbox()) until it is sent or the user gives it up
// (giveUp()).

const API = '/api/v1/meetings/';
const HEARD_MS = 4000;   // silence after which the page asks whether the link is alive (SSE pings every 3 s)
const DEAD_MS = 7000;    // silence after which the connection is given up
const ANSWER_MS = 10000; // a command unanswered this long is shown as unsent

// A client command id: 16 random bytes in base64url.
function newCid() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function pageAddress() {
  const m = /^\/m\/([^/]+)\/([^/]+)/.exec(location.pathname);
  const q = new URLSearchParams(location.search);
  return { meeting: m ? decodeURIComponent(m[1]) : null, page: m ? m[2] : null, as: q.get('as'), transport: q.get('transport') };
}

export class Live {
  // opts: onState(state), onStatus({status, retryInMs, error}), onEvent(ev)
  constructor(opts) {
    const a = pageAddress();
    this.meeting = a.meeting;
    this.as = a.as;
    this.mode = a.transport === 'sse' ? 'sse' : 'ws';
    this.opts = opts;
    this.state = null;
    this.me = null;         // person id this page acts as, null for viewers
    this.link = null;       // 'person', 'role' or 'viewer'
    this.subject = null;
    this.targetSeq = 0;     // newest seq the server is known to have
    this.offset = 0;        // server ms - local ms
    this.bestRtt = Infinity;
    this.myVotes = new Set(); // questions this page's person voted for
    this.you = null;          // the person's own part, from the last snapshot
    this.pending = new Map(); // connection-local id -> answer awaited (sync, commands)
    this.outbox = new Map();  // cid -> {cid, cmd, state: 'sending' | 'unsent', since, resolve, reject}
    this.nextId = 1;
    this.lastHeard = 0;       // Date.now() of the last message from the server
    this.probing = false;
    this.fatalError = null;   // the server's error before it closed us (a revoked link)
    this.attempt = 0;
    this.everOpened = false;
    this.fetching = false;
    this.timer = null;
    this.sock = null;
    this.status = 'connecting';
    this.fetches = 0;       // snapshots fetched over HTTP (out of step), for tests and benchmarks
    this.snapshots = 0;     // snapshots taken from the stream (at opening, or resumed far behind)
    addEventListener('online', () => { if (this.status === 'offline') this.reconnectNow(); });
    addEventListener('offline', () => { if (this.sock) this.dead(); });
    setInterval(() => this.heartbeat(), 1000);
  }

  now() { return Date.now() + this.offset; }

  start() {
    if (!this.meeting) return this.fail(new Error('no meeting in the address'));
    this.connect();
  }

  setStatus(status, extra) {
    this.status = status;
    this.opts.onStatus && this.opts.onStatus({ status, ...extra });
  }

  fail(err) { this.setStatus('offline', { error: err.message }); }

  // ---- the stream -------------------------------------------------------

  connect() {
    clearTimeout(this.timer);
    if (this.status === 'revoked') return;
    this.lastHeard = Date.now();
    this.setStatus('connecting');
    const q = new URLSearchParams();
    if (this.state) q.set('since', String(this.state.seq));
    if (this.as && this.mode === 'ws') q.set('as', this.as);
    q.set('resume', 'state');
    const qs = `?${q}`;
    if (this.mode === 'ws') this.openWs(qs); else this.openSse(qs);
  }

  openWs(qs) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${API}${encodeURIComponent(this.meeting)}/ws${qs}`;
    let ws;
    try { ws = new WebSocket(url, 'gavel.v1'); } catch (e) { return this.lost(false); }
    this.sock = ws;
    let opened = false;
    ws.onopen = () => { opened = true; this.everOpened = true; };
    ws.onmessage = (m) => {
      if (this.sock !== ws) return;
      this.lastHeard = Date.now();
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      this.onWsMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.sock !== ws) return;
      this.sock = null;
      if (ev.code === 1008 && this.fatalError) return this.revoked(this.fatalError);
      this.lost(opened);
    };
  }

  onWsMessage(msg) {
    switch (msg.type) {
      case 'hello':
        this.attempt = 0;
        this.me = msg.person || null;
        this.link = msg.link;
        this.subject = msg.subject;
        this.targetSeq = Math.max(this.targetSeq, msg.seq);
        this.sample(msg.server_ms, 0, true);
        this.syncClock();
        this.caughtUp();
        break;
      case 'snapshot':
        this.takeSnapshot(msg.seq, msg.state);
        break;
      case 'you':
        this.takeYou(msg.you);
        break;
      case 'event':
        this.onEventMsg(msg.event);
        if (msg.patch) this.onPatch(msg.event.seq, msg.event.at_ms, msg.patch);
        break;
      case 'ack':
      case 'error':
      case 'sync': {
        const p = this.pending.get(msg.id);
        if (!p) {
          if (msg.type === 'error' && msg.code === 'forbidden') this.fatalError = msg;
          else if (msg.type === 'error' && this.opts.onError) this.opts.onError(msg);
          return;
        }
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.type === 'error') p.reject(refusal(msg));
        else p.resolve(msg);
        break;
      }
      case 'resync':
        this.state = null; // start again from a snapshot
        break;
      default:
        break;
    }
  }

  openSse(qs) {
    const es = new EventSource(`${API}${encodeURIComponent(this.meeting)}/events${qs}`);
    this.sock = es;
    es.onopen = () => { this.everOpened = true; this.attempt = 0; this.lastHeard = Date.now(); this.setStatus('connecting'); };
    const heard = () => { if (this.sock === es) this.lastHeard = Date.now(); };
    for (const name of ['hello', 'snapshot', 'you', 'message', 'patch', 'resync', 'ping']) es.addEventListener(name, heard);
    es.addEventListener('hello', (e) => {
      const h = JSON.parse(e.data);
      this.me = h.person || null;
      this.link = h.link;
      this.subject = h.subject;
      this.targetSeq = Math.max(this.targetSeq, h.seq);
      this.syncClock();
      this.caughtUp();
    });
    es.addEventListener('snapshot', (e) => {
      const s = JSON.parse(e.data);
      this.takeSnapshot(s.seq, s.state);
    });
    es.addEventListener('you', (e) => this.takeYou(JSON.parse(e.data)));
    es.addEventListener('message', (e) => this.onEventMsg(JSON.parse(e.data)));
    // An event's patch comes just before it (the event's id then ends the pair).
    es.addEventListener('patch', (e) => {
      const p = JSON.parse(e.data);
      this.onPatch(p.seq, p.at_ms, p);
    });
    es.addEventListener('resync', () => { this.state = null; });
    es.addEventListener('error', (e) => {
      if (e.data !== undefined) { // an error message from the server
        try { const m = JSON.parse(e.data); if (m.code === 'forbidden') this.fatalError = m; } catch (x) { /* not JSON */ }
        return;
      }
      if (this.sock !== es) return;
      if (es.readyState === EventSource.CLOSED || this.fatalError) {
        es.close();
        this.sock = null;
        if (this.fatalError) return this.revoked(this.fatalError);
        this.lost(false);
      } else {
        this.setStatus('offline'); // the browser retries with Last-Event-ID
      }
    });
  }

  // The connection went: retry later, or fall back to SSE when a WebSocket
  // never opened twice running.
  lost(opened) {
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(localError(this.t('err.lost'))); }
    this.pending.clear();
    this.unsend();
    if (!opened) {
      // Refused before opening: a withdrawn link is said so once, not retried.
      this.diagnose().then((fatal) => {
        if (fatal) return;
        if (this.mode === 'ws' && !this.everOpened && this.attempt >= 1) {
          this.mode = 'sse';
          this.connect();
        } else {
          this.retryLater();
        }
      });
      return;
    }
    this.retryLater();
  }

  retryLater() {
    this.attempt++;
    const delay = Math.min(15000, 500 * 2 ** Math.min(this.attempt - 1, 5)) * (0.75 + Math.random() * 0.5);
    this.retryAt = Date.now() + delay;
    this.setStatus('offline', { retryInMs: delay });
    this.timer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    clearTimeout(this.timer);
    this.connect();
  }

  // A WebSocket refused before opening hides the HTTP status: ask over HTTP.
  async diagnose() {
    try {
      const r = await fetch(`${API}${encodeURIComponent(this.meeting)}/snapshot`, { credentials: 'same-origin' });
      if (r.status === 401 || r.status === 403 || r.status === 404) {
        const body = await r.json().catch(() => ({}));
        this.revoked({ code: body.code, reason: body.reason, message: body.message || `HTTP ${r.status}` });
        return true;
      }
    } catch (e) { /* offline: fall through and retry */ }
    return false;
  }

  // The link no longer opens the meeting: stop, and say why.
  revoked(err) {
    clearTimeout(this.timer);
    if (this.sock) { const s = this.sock; this.sock = null; s.close(); }
    for (const [, o] of this.outbox) o.reject(localError(this.t('err.revoked')));
    this.outbox.clear();
    this.setStatus('revoked', { fatal: true, error: err.message, code: err.code, reason: err.reason });
    this.outboxChanged();
  }

  // ---- the heartbeat ------------------------------------------------------

  heartbeat() {
    if (!this.sock || this.status === 'revoked') return;
    const quiet = Date.now() - this.lastHeard;
    if (quiet >= DEAD_MS) return this.dead();
    if (quiet < HEARD_MS || this.probing) return;
    this.probing = true;
    const done = () => { this.probing = false; };
    if (this.sock instanceof WebSocket) {
      if (this.sock.readyState === WebSocket.OPEN) this.sock.send(JSON.stringify({ type: 'sync', id: `hb${this.nextId++}` }));
      setTimeout(done, HEARD_MS);
      return;
    }
    // SSE: the server's pings keep a live stream talking; ask over HTTP meanwhile.
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), DEAD_MS - HEARD_MS);
    const es = this.sock;
    fetch('/healthz', { signal: ctl.signal, cache: 'no-store' })
      .then((r) => { if (r.ok && this.sock === es) this.lastHeard = Date.now(); })
      .catch(() => {}).finally(() => { clearTimeout(t); done(); });
  }

  // The connection went silent: drop it without waiting for the network to say so.
  dead() {
    const s = this.sock;
    this.sock = null;
    this.probing = false;
    if (s) { try { s.close(); } catch (e) { /* closing a dead socket */ } }
    this.lost(true);
  }

  onEventMsg(ev) {
    this.targetSeq = Math.max(this.targetSeq, ev.seq);
    if (ev.cid && this.outbox.has(ev.cid)) this.settle(ev.cid, { type: 'ack', first_seq: ev.seq, last_seq: ev.seq, seen: true });
    this.opts.onEvent && this.opts.onEvent(ev);
  }

  // The patch {base, ops} that takes the view's state from seq `base` to
  // `seq`, the seq of the event it came with (at `atMs`): the state takes
  // what the event says (tookEvent), then the operations.
  onPatch(seq, atMs, patch) {
    const s = this.state;
    if (!s || seq <= s.seq) return; // waiting for a snapshot, or seen already
    if (patch.base !== s.seq) return this.outOfStep();
    try {
      this.state = applyPatch(tookEvent(s, seq, atMs), patch.ops);
    } catch (e) {
      return this.outOfStep();
    }
    this.emit();
    this.caughtUp();
  }

  // The state held is not the one the stream patches: take a snapshot.
  outOfStep() {
    if (!this.fetching) this.fetchSnapshot();
  }

  async fetchSnapshot() {
    this.fetching = true;
    let snap = null;
    try {
      const t0 = Date.now();
      const q = this.as ? `?as=${encodeURIComponent(this.as)}` : '';
      const r = await fetch(`${API}${encodeURIComponent(this.meeting)}/snapshot${q}`, { credentials: 'same-origin' });
      if (r.ok) {
        snap = await r.json();
        this.fetches++;
        this.sample(snap.server_ms, Date.now() - t0, false);
        this.targetSeq = Math.max(this.targetSeq, snap.seq);
        if (!(this.state && this.state.seq > snap.seq)) this.you = snap.you || null;
        if (this.you) this.myVotes = new Set(this.you.votes);
        this.takeSnapshot(snap.seq, snap.state, true);
      }
    } catch (e) { /* the stream's reconnect deals with it */ }
    this.fetching = false;
    return snap;
  }

  // A snapshot from the stream replaces the state; one fetched over HTTP only
  // when it is not older (the stream may have moved on meanwhile).
  takeSnapshot(seq, state, fetched) {
    if (fetched && this.state && this.state.seq > seq) return;
    if (!fetched) this.snapshots++;
    state.seq = seq;
    this.state = state;
    this.emit();
    this.caughtUp();
  }

  caughtUp() {
    if (this.sock && this.state && this.state.seq >= this.targetSeq && this.status !== 'live') {
      this.setStatus('live');
      this.flush();
    }
  }

  takeYou(you) {
    this.you = you;
    this.myVotes = new Set(you.votes);
    this.emit();
  }

  // A vote of this page's person, acknowledged (its "you" follows).
  noteVote(type, question) {
    if (type === 'upvote') this.myVotes.add(question);
    if (type === 'unvote') this.myVotes.delete(question);
  }

  // The state as shown: the view the server sent, with the person's own
  // questions that their view leaves out (awaiting moderation, dismissed).
  shown() {
    const s = this.state;
    if (!s) return null;
    const own = this.you ? this.you.questions.filter((q) => !s.questions.some((x) => x.question === q.question)) : [];
    return own.length ? { ...s, questions: [...s.questions, ...own] } : s;
  }

  emit() {
    const s = this.shown();
    if (s) this.opts.onState(s);
  }

  // ---- the clock ----------------------------------------------------------

  // One measurement: the server said server_ms, rtt ms after we asked.
  sample(serverMs, rtt, oneWay) {
    if (typeof serverMs !== 'number') return;
    if (oneWay && this.bestRtt < Infinity) return;
    const localMid = Date.now() - rtt / 2;
    if (rtt <= this.bestRtt || oneWay) {
      this.bestRtt = oneWay ? Infinity : rtt;
      this.offset = serverMs - localMid;
    }
  }

  async syncClock() {
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      try {
        if (this.mode === 'ws') {
          const r = await this.request({ type: 'sync' });
          this.sample(r.server_ms, Date.now() - t0, false);
        } else {
          const r = await fetch('/healthz');
          const j = await r.json();
          this.sample(j.server_ms, Date.now() - t0, false);
        }
      } catch (e) { return; }
    }
  }

  // ---- commands -----------------------------------------------------------

  // A request on the WebSocket awaiting its answer (sync, or a command's
  // transmission); rejects when the connection is lost or no answer comes.
  request(cmd, timeoutMs = ANSWER_MS) {
    return new Promise((resolve, reject) => {
      const ws = this.sock;
      if (!(ws instanceof WebSocket) || ws.readyState !== WebSocket.OPEN) {
        reject(localError(this.t('err.offline')));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(localError(this.t('err.timeout'), 'timeout'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...cmd, id }));
    });
  }

  // Sends a command; resolves with the acknowledgement, rejects with an
  // Error whose message is the server's (.code, .reason), or local (.local)
  // when the user gave it up or the link was withdrawn. A command that cannot
  // be sent now waits in the outbox and goes when the page is live again.
  send(cmd) {
    const cid = newCid();
    return new Promise((resolve, reject) => {
      this.outbox.set(cid, { cid, cmd: { ...cmd, cid }, state: 'sending', since: Date.now(), resolve, reject });
      this.outboxChanged();
      this.transmit(cid);
    }).then((ack) => {
      // Shown at once: the acknowledgement comes before the "you" that says it.
      if (cmd.type === 'upvote' || cmd.type === 'unvote') {
        this.noteVote(cmd.type, cmd.question);
        this.emit();
      }
      return ack;
    });
  }

  // One attempt at sending outbox entry cid.
  async transmit(cid) {
    const o = this.outbox.get(cid);
    if (!o) return;
    if (!this.sock || this.status !== 'live') { this.markUnsent(o); return; }
    o.state = 'sending';
    o.since = Date.now();
    this.outboxChanged();
    try {
      const ack = await (this.mode === 'ws' ? this.request(o.cmd) : this.post(o.cmd));
      this.settle(cid, ack);
    } catch (e) {
      if (!this.outbox.has(cid)) return;
      if (e.code === 'busy' || e.code === 'unavailable') {
        // Being stored, the server busy, or its database out of reach for a
        // moment: nothing was stored; ask again (the cid makes it once).
        this.markUnsent(this.outbox.get(cid));
        setTimeout(() => { if (this.status === 'live') this.transmit(cid); }, e.code === 'busy' ? 1000 : 2000);
      } else if (e.local) this.markUnsent(this.outbox.get(cid));
      else this.settle(cid, null, e);
    }
  }

  async post(cmd) {
    const q = this.as ? `?as=${encodeURIComponent(this.as)}` : '';
    let r;
    try {
      r = await fetch(`${API}${encodeURIComponent(this.meeting)}/commands${q}`, {
        method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cmd),
      });
    } catch (e) { throw localError(this.t('err.offline')); }
    const body = await r.json().catch(() => ({}));
    if (!r.ok || body.type === 'error') throw refusal(body.code ? body : { code: 'busy', message: `HTTP ${r.status}` });
    return body;
  }

  markUnsent(o) {
    if (!o || o.state === 'unsent') return;
    o.state = 'unsent';
    this.outboxChanged();
  }

  // Commands whose answer the lost connection took with it go again later.
  unsend() {
    for (const [, o] of this.outbox) o.state = 'unsent';
    if (this.outbox.size) this.outboxChanged();
  }

  // Sends again, in order, what is waiting; called when the page is live.
  flush() {
    for (const [cid, o] of this.outbox) if (o.state === 'unsent') this.transmit(cid);
  }

  settle(cid, ack, err) {
    const o = this.outbox.get(cid);
    if (!o) return;
    this.outbox.delete(cid);
    this.outboxChanged();
    if (err) o.reject(err); else o.resolve(ack);
  }

  // The user gives up a command not sent yet.
  giveUp(cid) {
    const o = this.outbox.get(cid);
    if (!o || o.state === 'sending') return;
    this.settle(cid, null, localError(this.t('err.given_up'), 'given_up'));
  }

  // What waits to be sent or answered, oldest first: [{cid, cmd, state, since}].
  pendingCommands() {
    return [...this.outbox.values()].map(({ cid, cmd, state, since }) => ({ cid, cmd, state, since }));
  }

  outboxChanged() { if (this.opts.onOutbox) this.opts.onOutbox(this.pendingCommands()); }

  t(k) { return this.opts.t ? this.opts.t(k) : k; }
}

// ---- patches ----------------------------------------------------------------

// What the event a patch comes with says of the state, which the patch does
// not repeat (docs/protocol.md, "State patches"): its seq, and its time as the
// state's last and the floor's as_of_ms, each where the state has it. Changes
// state in place and returns it.
export function tookEvent(state, seq, atMs) {
  state.seq = seq;
  if (Object.hasOwn(state, 'last_at_ms')) state.last_at_ms = atMs;
  const f = state.floor;
  if (f !== null && typeof f === 'object' && !Array.isArray(f) && Object.hasOwn(f, 'as_of_ms')) f.as_of_ms = atMs;
  return state;
}

// Applies the operations of an RFC 6902 patch to doc, in order, changing it
// in place; returns the document (a new one when an operation replaces the
// root). Throws when an operation names a place the document does not have.
export function applyPatch(doc, ops) {
  const keys = (path) => path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const index = (arr, k, extra) => {
    const i = k === '-' && extra ? arr.length : /^(0|[1-9][0-9]*)$/.test(k) ? Number(k) : -1;
    if (i < 0 || i > arr.length - (extra ? 0 : 1)) throw new Error(`no index ${k}`);
    return i;
  };
  const parent = (path) => {
    const ks = keys(path);
    const last = ks.pop();
    let p = doc;
    for (const k of ks) {
      p = Array.isArray(p) ? p[index(p, k, false)] : p !== null && typeof p === 'object' && Object.hasOwn(p, k) ? p[k] : undefined;
      if (p === undefined) throw new Error(`no ${path}`);
    }
    return [p, last];
  };
  const get = (path) => {
    if (path === '') return doc;
    const [p, k] = parent(path);
    const v = Array.isArray(p) ? p[index(p, k, false)] : Object.hasOwn(p, k) ? p[k] : undefined;
    if (v === undefined) throw new Error(`no ${path}`);
    return v;
  };
  const put = (path, value, replace) => {
    if (path === '') { doc = value; return; }
    const [p, k] = parent(path);
    if (Array.isArray(p)) p.splice(index(p, k, !replace), replace ? 1 : 0, value);
    else if (replace && !Object.hasOwn(p, k)) throw new Error(`no ${path}`);
    else p[k] = value;
  };
  const remove = (path) => {
    const [p, k] = parent(path);
    if (Array.isArray(p)) p.splice(index(p, k, false), 1);
    else if (Object.hasOwn(p, k)) delete p[k];
    else throw new Error(`no ${path}`);
  };
  for (const op of ops) {
    if (op.op === 'add' || op.op === 'replace') put(op.path, op.value, op.op === 'replace');
    else if (op.op === 'remove') remove(op.path);
    else if (op.op === 'move') { const v = get(op.from); remove(op.from); put(op.path, v, false); }
    else if (op.op === 'copy') put(op.path, structuredClone(get(op.from)), false);
    else if (op.op === 'test') { if (JSON.stringify(get(op.path)) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`); }
    else throw new Error(`unknown operation ${op.op}`);
  }
  return doc;
}

// An Error for a refusal from the server: its message, code and reason.
function refusal(msg) {
  return Object.assign(new Error(msg.message || msg.code), { code: msg.code, reason: msg.reason });
}

// An Error made here (offline, no answer, given up): its message is already the user's language.
function localError(message, code) {
  return Object.assign(new Error(message), { local: true, code: code || 'offline' });
}

// ---- the speaking clock -----------------------------------------------------

// Where a speech stands at server time now: elapsed, remaining (negative when
// over), and its phase: running, warning, over, paused or ended.
export function speechClock(sp, now) {
  if (!sp) return null;
  const until = sp.ended_at_ms !== null && sp.ended_at_ms !== undefined ? sp.ended_at_ms
    : sp.paused_at_ms !== null && sp.paused_at_ms !== undefined ? sp.paused_at_ms : now;
  const elapsed = Math.max(0, until - sp.started_at_ms - (sp.paused_ms || 0));
  const remaining = sp.limit_ms - elapsed;
  let phase = 'running';
  if (sp.ended_at_ms !== null && sp.ended_at_ms !== undefined) phase = 'ended';
  else if (sp.paused_at_ms !== null && sp.paused_at_ms !== undefined) phase = 'paused';
  else if (remaining <= 0) phase = 'over';
  else if (elapsed >= sp.warning_ms) phase = 'warning';
  return { elapsed, remaining, phase, limit: sp.limit_ms, warning: sp.warning_ms };
}

// Announces a speech's warning and its limit once each, when they happen
// (not when a page opens on a speech already past them).
export class ClockAnnouncer {
  constructor(region, t) { this.region = region; this.t = t; this.speech = null; this.phase = null; }
  update(sp, c) {
    if (!sp || !c) { this.speech = null; return; }
    const was = this.speech === sp.speech ? this.phase : null;
    const first = this.speech !== sp.speech;
    this.speech = sp.speech;
    this.phase = c.phase;
    if (first || was === c.phase) return;
    let msg = null;
    if (c.phase === 'warning') msg = this.t('clock.announce_warning', { left: Math.ceil(c.remaining / 60000) });
    else if (c.phase === 'over') msg = this.t('clock.announce_over');
    if (msg && this.region) this.region.textContent = msg;
  }
}

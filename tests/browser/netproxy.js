// A small TCP proxy the browser tests control, between Chromium and a
// server on loopback: it forwards bytes both ways, and can add latency or cut
// the network the way a dead Wi-Fi does, with nothing closed: bytes stop
// flowing and new connections hang, until it is restored. Then everything
// held flows on, in order. A cut may also take only what comes back (the
// page's bytes reach the server, the answers are held): a stall in which a
// command is done but its answer lost.
'use strict';
const net = require('node:net');
const { startServer } = require('./lib');

class NetProxy {
  constructor(target) {
    this.target = target;      // {host, port}
    this.cut = null;           // null, 'both' or 'down' (only what the server sends back)
    this.latencyMs = 0;
    this.pairs = new Set();
    this.waiting = [];         // work held while cut
    this.connections = 0;
  }

  // Listens on a free port of 127.0.0.1; resolves with that port.
  start() {
    this.server = net.createServer((client) => this.accept(client));
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port)));
  }

  accept(client) {
    this.connections++;
    const upstream = net.connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const forward = (from, to, way) => from.on('data', (d) => this.later(() => { if (!to.destroyed) to.write(d); }, way));
    forward(client, upstream, 'up');
    forward(upstream, client, 'down');
    const end = () => { this.pairs.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', () => this.later(end));
    upstream.on('close', () => this.later(end));
  }

  held(way) { return this.cut === 'both' || (this.cut !== null && this.cut === way); }

  // Runs f after the latency, or when the network is restored if it is cut
  // that way (way: 'up', 'down'; a closing is held by any cut).
  later(f, way) {
    if (this.held(way)) { this.waiting.push(f); return; }
    if (this.latencyMs) setTimeout(() => (this.held(way) ? this.waiting.push(f) : f()), this.latencyMs);
    else f();
  }

  // on: true cuts both ways, 'down' only what comes back, false restores.
  setCut(on) {
    this.cut = on === true ? 'both' : on || null;
    if (this.cut) return;
    const held = this.waiting;
    this.waiting = [];
    for (const f of held) f();
  }

  setLatency(ms) { this.latencyMs = ms; }

  async stop() {
    for (const p of this.pairs) { p.client.destroy(); p.upstream.destroy(); }
    await new Promise((r) => this.server.close(r));
  }
}

// A server (startServer(opts)) whose links point at a new proxy in front of
// it: {srv, proxy, via(link), direct(link)}; via() makes a link go through
// the proxy, direct() straight to the server.
async function serverBehindProxy(opts = {}) {
  const proxy = new NetProxy(null);
  const port = await proxy.start();
  let srv;
  try {
    srv = await startServer({ ...opts, serveArgs: ['--public-url', `http://127.0.0.1:${port}`, ...(opts.serveArgs || [])] });
  } catch (e) {
    await proxy.stop();
    throw e;
  }
  const u = new URL(srv.base);
  proxy.target = { host: u.hostname, port: Number(u.port) };
  return {
    srv,
    proxy,
    via: (l) => l.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${port}`),
    direct: (l) => l.replace(/^http:\/\/[^/]+/, srv.base),
  };
}

module.exports = { NetProxy, serverBehindProxy };

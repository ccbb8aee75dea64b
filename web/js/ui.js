// What every page shares besides the connection: translations, the language
// switch, a small DOM builder, time formatting in the meeting's zone and the
// viewer's, the page header (title, connection, clocks, language), and the
// way commands are sent: a button shows that its command is on its way, a
// refusal is said in the reader's language, a destructive action asks first.
//
// User text reaches the page only through textContent and attributes (el()
// never parses HTML), so a name or a question cannot become markup; it is
// isolated (bdi()) so that an English name keeps its order in an Arabic
// line and the other way round, while the line itself keeps the page's
// direction and alignment.

import { Live } from './client.js';

export const LANGS = [
  ['ar', 'العربية'], ['zh', '中文'], ['en', 'English'],
  ['fr', 'Français'], ['ru', 'Русский'], ['es', 'Español'],
];
const RTL = new Set(['ar']);
let dict = {};
let lang = 'en';
const listeners = [];

export function currentLang() { return lang; }
export function has(key) { return dict[key] !== undefined; }

// A translated string; {name} placeholders are filled from vars. A missing
// key shows the key itself, which the tests look for.
export function t(key, vars) {
  let s = dict[key];
  if (s === undefined) s = key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

// As t(), as nodes: each {name} filled with user text isolated in a <bdi>.
export function tn(key, vars) {
  const s = dict[key] === undefined ? key : dict[key];
  const out = [];
  let last = 0;
  for (const m of s.matchAll(/\{(\w+)\}/g)) {
    out.push(s.slice(last, m.index));
    out.push(vars && vars[m[1]] !== undefined ? el('bdi', {}, String(vars[m[1]])) : m[0]);
    last = m.index + m[0].length;
  }
  out.push(s.slice(last));
  return out.filter((x) => x !== '');
}

function pickLang() {
  const q = new URLSearchParams(location.search).get('lang');
  const ok = (l) => l && LANGS.some(([c]) => c === l);
  if (ok(q)) return q;
  try {
    const s = localStorage.getItem('gavel.lang');
    if (ok(s)) return s;
  } catch (e) { /* storage may be off */ }
  for (const l of navigator.languages || []) {
    const c = l.slice(0, 2).toLowerCase();
    if (ok(c)) return c;
  }
  return 'en';
}

// Loads a language and re-renders everything that asked (onLang).
export async function setLang(l, remember) {
  const r = await fetch(`/static/i18n/${l}.json`);
  if (!r.ok) throw new Error(`language ${l}: HTTP ${r.status}`);
  dict = await r.json();
  lang = l;
  if (remember) {
    try { localStorage.setItem('gavel.lang', l); } catch (e) { /* not kept */ }
  }
  document.documentElement.lang = l;
  document.documentElement.dir = RTL.has(l) ? 'rtl' : 'ltr';
  translateStatic(document);
  for (const f of listeners) f();
}

export function onLang(f) { listeners.push(f); }
export async function initLang() { await setLang(pickLang(), false); }

// Static text in the HTML: data-i18n="key" sets textContent;
// data-i18n-attr="aria-label:key,placeholder:key2" sets attributes.
export function translateStatic(root) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of e.dataset.i18nAttr.split(',')) {
      const [a, k] = pair.split(':');
      e.setAttribute(a, t(k));
    }
  }
}

// el('li', {class: 'x', onclick: f, dataset: {a: 1}}, 'text', child, ...)
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k === 'cls' ? 'class' : k, v === true ? '' : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

export function $(sel, root) { return (root || document).querySelector(sel); }

// User text, isolated from the direction of the text around it.
export function bidi(text) { return el('bdi', {}, text); }

// A field of the definition in the reader's language: the definition's
// translation when it gives one, the original otherwise.
export function tr(obj, field) {
  const x = obj && obj.translations && obj.translations[lang];
  return (x && x[field]) || (obj ? obj[field] : '');
}

// Replaces the children of a container (by id or element). Keyboard focus
// survives: the element with the same data-key as the focused one gets it
// back, so reordering a list from the keyboard keeps its place.
export function fill(target, ...kids) {
  const e = typeof target === 'string' ? document.getElementById(target) : target;
  const a = document.activeElement;
  const key = a && a !== document.body && e.contains(a) ? a.dataset.key : null;
  e.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
  if (key) {
    const n = e.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (n) n.focus();
  }
  return e;
}

// ---- commands from the page ---------------------------------------------------

let redrawPage = () => {};
let focusNext = null;         // data-key to focus once the page is drawn again
const inflight = new Set();   // keys of commands on their way
const confirming = { key: null };

export function redraw() { redrawPage(); }

// Focuses the element with data-key `key` once the page is drawn again.
export function focusLater(key) { focusNext = key; }

function focusPending() {
  if (!focusNext) return;
  const n = document.querySelector(`[data-key="${CSS.escape(focusNext)}"]`);
  if (n) { n.focus(); focusNext = null; }
}

// The key a command is known by while it is on its way.
export function cmdKey(cmd) { return [cmd.type, cmd.request, cmd.question, cmd.item, cmd.person].filter((x) => x !== undefined && x !== null).join(':'); }
export function sending(key) { return inflight.has(key); }

// A refusal in the reader's language: the reason the server names, else its
// kind; never the server's words (which name internal ids).
export function refusalText(e) {
  if (e.local) return e.message;
  if (e.reason && has(`refuse.${e.reason}`)) return t(`refuse.${e.reason}`);
  return t(has(`refuse.code.${e.code}`) ? `refuse.code.${e.code}` : 'refuse.code.other');
}

// Runs a command and reports a refusal in #message. While it is on its way
// the buttons drawn with its key (cmdButton) say so and do not send it again.
export async function act(live, cmd, done, key) {
  const k = key || cmdKey(cmd);
  if (inflight.has(k)) return null;
  inflight.add(k);
  redrawPage();
  try {
    const ack = await live.send(cmd);
    message('');
    if (done) done(ack);
    return ack;
  } catch (e) {
    if (e.code !== 'given_up') message(refusalText(e));
    return null;
  } finally {
    inflight.delete(k);
    redrawPage();
  }
}

// A button that sends cmd; while the command is on its way it is disabled,
// marked busy and says "Sending…".
// attrs.key (the command's key, cmdKey by default) and attrs.done (called
// with the acknowledgement) are not attributes.
export function cmdButton(live, label, cmd, attrs) {
  const { key, done, ...a } = attrs || {};
  const k = key || cmdKey(cmd);
  const busy = inflight.has(k);
  return el('button', {
    type: 'button', ...a, disabled: busy || a.disabled || null, 'aria-busy': busy ? 'true' : null,
    onclick: () => act(live, cmd, done, k),
  }, busy ? [label, ' ', el('span', { cls: 'sending' }, `· ${t('ui.sending')}`)] : label);
}

// A destructive action behind a confirmation: the button, or, once pressed,
// the question with "yes" and "cancel" in its place. Escape cancels.
// `extra` (optional) goes between the question and the buttons: a reason to give.
export function guarded(key, label, question, yes, onYes, attrs, extra) {
  if (confirming.key === key) {
    const cancel = () => { confirming.key = null; focusLater(key); redrawPage(); };
    return el('span', {
      cls: 'confirm', role: 'group', 'aria-label': question, dataset: { confirm: key },
      onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); cancel(); } },
    },
    el('span', { cls: 'small' }, question), ' ', extra || null,
    el('button', { type: 'button', cls: 'danger', dataset: { key: `${key}-yes` }, onclick: () => { confirming.key = null; focusLater(key); onYes(); redrawPage(); } }, yes), ' ',
    el('button', { type: 'button', dataset: { key: `${key}-no` }, onclick: cancel }, t('ui.cancel')));
  }
  return el('button', {
    type: 'button', ...attrs, dataset: { ...(attrs && attrs.dataset), key },
    onclick: () => { confirming.key = key; focusLater(`${key}-yes`); redrawPage(); },
  }, label);
}

export function confirmOpen(key) { return confirming.key === key; }
export function askConfirm(key) { confirming.key = key; focusLater(`${key}-yes`); redrawPage(); }

export function setText(id, s) {
  const e = document.getElementById(id);
  if (e && e.textContent !== s) e.textContent = s;
}

// ---- time ---------------------------------------------------------------

export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const fmts = new Map();
function fmt(zone, opts) {
  const key = `${lang}|${zone}|${JSON.stringify(opts)}`;
  let f = fmts.get(key);
  if (!f) {
    try { f = new Intl.DateTimeFormat(lang, { timeZone: zone, ...opts }); }
    catch (e) { f = new Intl.DateTimeFormat(lang, opts); }
    fmts.set(key, f);
  }
  return f;
}

export function timeIn(ms, zone) { return fmt(zone, { hour: '2-digit', minute: '2-digit' }).format(ms); }
export function dateIn(ms, zone) { return fmt(zone, { dateStyle: 'medium' }).format(ms); }
export function zoneName(ms, zone) {
  const p = fmt(zone, { timeZoneName: 'short', hour: 'numeric' }).formatToParts(ms).find((x) => x.type === 'timeZoneName');
  return p ? p.value : zone;
}

// Milliseconds since 1970 of a wall time "YYYY-MM-DDTHH:MM" in an IANA zone.
export function wallToMs(wall, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(wall || '');
  if (!m) return null;
  const asUtc = Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const p = {};
    for (const x of fmt(zone, { hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(guess)) p[x.type] = x.value;
    const shown = Date.UTC(+p.year, p.month - 1, +p.day, +p.hour % 24, +p.minute);
    guess = asUtc - (shown - guess);
  }
  return guess;
}

// "1:05" or "12:00:07"; negative durations get a sign.
export function dur(ms) {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  s %= 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return (neg ? '−' : '') + (h ? `${h}:` : '') + `${mm}:${String(s).padStart(2, '0')}`;
}

export function minutes(ms) { return t('unit.min', { n: Math.round(ms / 60000) }); }

// ---- the header -----------------------------------------------------------

// Fills the language switch (a <select id="lang">) and keeps it in step.
export function langSwitch() {
  const s = document.getElementById('lang');
  if (!s) return;
  s.replaceChildren(...LANGS.map(([c, name]) => el('option', { value: c, lang: c }, name)));
  s.value = lang;
  s.addEventListener('change', () => setLang(s.value, true));
  onLang(() => { s.value = lang; });
}

// The connection indicator: a word and a symbol, not only a colour.
export function showStatus(st) {
  const e = document.getElementById('conn');
  if (!e) return;
  e.dataset.status = st.status;
  const sym = { live: '●', connecting: '◌', offline: '✕', revoked: '✕' }[st.status] || '';
  let text = t(`conn.${st.status}`);
  if (st.status === 'offline' && st.retryInMs) text = t('conn.retry', { s: Math.ceil(st.retryInMs / 1000) });
  e.textContent = `${sym} ${text}`;
}

// The header clocks: the meeting's local time, and the viewer's when it differs.
export function showClocks(nowMs, zone) {
  const e = document.getElementById('clocks');
  if (!e || !zone) return;
  let s = `${timeIn(nowMs, zone)} ${zoneName(nowMs, zone)}`;
  if (zoneName(nowMs, viewerZone) !== zoneName(nowMs, zone)) s += ` · ${t('time.yours')} ${timeIn(nowMs, viewerZone)} ${zoneName(nowMs, viewerZone)}`;
  if (e.textContent !== s) e.textContent = s;
}

// A language tag named in the page's language ("Arabic", "arabe"), with the
// tag itself, as booths and delegates know them: "Arabic (ar)".
const languageNames = new Map();
export function languageName(tag) {
  const key = `${lang}|${tag}`;
  let n = languageNames.get(key);
  if (n === undefined) {
    try { n = new Intl.DisplayNames([lang], { type: 'language' }).of(tag); } catch (e) { n = null; }
    languageNames.set(key, n);
  }
  return n && n !== tag ? `${n} (${tag})` : tag;
}

// Label helpers for the enumerations of the state.
export const label = (kind, v) => (v === null || v === undefined ? '' : t(`${kind}.${v}`));

// Only web links become links: a document's address from the definition
// must not run script (javascript:) when clicked.
export function safeHref(u) {
  try {
    const x = new URL(u, location.href);
    return x.protocol === 'https:' || x.protocol === 'http:' ? x.href : null;
  } catch (e) { return null; }
}

export function person(state, id) { return state.people.find((p) => p.id === id) || null; }
export function personLine(p) { return p ? [p.function, p.affiliation].filter(Boolean).join(', ') : ''; }

// Shows a message in the page's #message region (role=alert), or clears it.
export function message(text, kind) {
  const e = document.getElementById('message');
  if (!e) return;
  e.hidden = !text;
  e.className = kind === 'ok' ? 'notice' : 'error';
  e.textContent = text || '';
}

// Starts a page: language, header, the connection, the clock ticking.
// page.render(state, live) draws the state; page.tick(state, live) redraws
// what moves with time (four times a second).
export async function boot(page) {
  // The connection opens while the translations load: on a slow link each
  // round trip saved is seconds.
  let ready = false;
  let live = null;
  const draw = () => {
    const s = live && live.shown();
    if (!s || !ready) return;
    const m = s.meeting;
    const title = tr(m, 'title');
    const tEl = document.getElementById('m-title');
    if (tEl && tEl.textContent !== title) { fill(tEl, bidi(title)); tEl.title = title; }
    const sub = [tr(m, 'body'), tr(m, 'session'), tr(m, 'venue')].filter(Boolean).join(' · ');
    const sEl = document.getElementById('m-sub');
    if (sEl && sEl.textContent !== sub) fill(sEl, bidi(sub));
    document.title = `${t(page.title)} · ${tr(m, 'title')}`;
    page.render(s, live);
    if (page.tick) page.tick(s, live);
    focusPending();
    document.body.dataset.seq = String(s.seq);
  };
  redrawPage = draw;
  // The connection's status, in the indicator and on the body (data-conn).
  const showConn = (st) => {
    showStatus(st);
    document.body.dataset.conn = st.status;
  };
  live = new Live({
    t,
    onState: draw,
    onStatus: (raw) => {
      // The indicator says live only once the page shows the state: until the
      // translations are in, a live connection has drawn nothing yet.
      const st = ready || raw.status !== 'live' ? raw : { ...raw, status: 'connecting' };
      showConn(st);
      if (st.status === 'revoked') message(t('err.revoked'));
      else if (st.error) message(t('err.fatal', { msg: st.error }));
      if (page.status) page.status(st, live);
    },
    onError: (m) => message(refusalText(m)),
    onOutbox: () => { if (page.outbox) page.outbox(live); },
  });
  // The connection, for the browser tests and for anyone looking into a
  // page's state from the browser's console.
  window.gavelLive = live;
  if (page.init) page.init(live);
  live.start();
  try { await initLang(); } catch (e) { /* English keys stay */ }
  ready = true;
  langSwitch();
  onLang(() => { draw(); showStatus({ status: live.status }); if (page.outbox) page.outbox(live); });
  document.title = t(page.title);
  draw();
  showConn({ status: live.status });
  setInterval(() => {
    const s = live.shown();
    if (!s) return;
    showClocks(live.now(), s.meeting.timezone);
    if (page.tick) page.tick(s, live);
  }, 250);
  return live;
}

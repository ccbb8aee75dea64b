// What every page shares besides the connection: translations, the language
// switch, a small DOM builder, time formatting in the meeting's zone and the
// viewer's, and the page header (title, connection, clocks, language).
//
// User text reaches the page only through textContent and attributes (el()
// never parses HTML), so a name or a question cannot become markup.

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

// A translated string; {name} placeholders are filled from vars. A missing
// key shows the key itself, which the tests look for.
export function t(key, vars) {
  let s = dict[key];
  if (s === undefined) s = key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
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
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

export function $(sel, root) { return (root || document).querySelector(sel); }

// Replaces the children of a container (by id or element). Keyboard focus
// survives: the element with the same data-key as the focused one gets it
// back, so reordering a list from the keyboard keeps its place.
export function fill(target, ...kids) {
  const e = typeof target === 'string' ? document.getElementById(target) : target;
  const a = document.activeElement;
  const key = a && a !== document.body && e.contains(a) ? a.dataset.key : null;
  e.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
  if (key) {
    const n = e.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (n) n.focus();
  }
  return e;
}

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
  const sym = { live: '●', connecting: '◌', offline: '✕' }[st.status] || '';
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

// Runs a command and reports a refusal in #message.
export async function act(live, cmd, done) {
  try {
    const ack = await live.send(cmd);
    message('');
    if (done) done(ack);
    return ack;
  } catch (e) {
    message(t('err.refused', { msg: e.message }));
    return null;
  }
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
    setText('m-title', m.title);
    setText('m-sub', [m.body, m.session, m.venue].filter(Boolean).join(' · '));
    document.title = `${t(page.title)} · ${m.title}`;
    page.render(s, live);
    if (page.tick) page.tick(s, live);
    document.body.dataset.seq = String(s.seq);
  };
  live = new Live({
    t,
    onState: draw,
    onStatus: (st) => {
      showStatus(st);
      if (st.error) message(st.fatal ? t('err.fatal', { msg: st.error }) : st.error);
      else if (st.status === 'live') message('');
    },
    onError: (m) => message(t('err.refused', { msg: m.message })),
  });
  // The connection, for the browser tests and for anyone looking into a
  // page's state from the browser's console.
  window.gavelLive = live;
  if (page.init) page.init(live);
  live.start();
  try { await initLang(); } catch (e) { /* English keys stay */ }
  ready = true;
  langSwitch();
  onLang(() => { draw(); showStatus({ status: live.status }); });
  document.title = t(page.title);
  showStatus({ status: live.status });
  draw();
  setInterval(() => {
    const s = live.shown();
    if (!s) return;
    showClocks(live.now(), s.meeting.timezone);
    if (page.tick) page.tick(s, live);
  }, 250);
  return live;
}

// The secretariat's invitation links (docs/protocol.md, "Invitation links"):
// the people with the links each holds and when each was last used, a new
// link for a person, a role or a screen (and the livestream overlay), its QR
// code and a card to print, links for everyone at once with their cards
// (one a page) and a CSV file for a mail merge, and revocation after a
// confirmation.
//
// A link's token is shown once, in the answer that issues it: the card keeps
// it in memory until "Done" and nothing stores it (the server keeps only its
// hash). The list comes from GET .../links, fetched when the page opens,
// after each change and on "Refresh"; the people come from the meeting's
// state. The section is redrawn only when one of those, or the language,
// changes, so that a note being typed is not lost to a passing event.
//
// The QR code is drawn from the module matrix the server sends, with
// createElementNS (no markup is ever parsed, as the Content-Security-Policy
// and ui.js ask). Printing copies the cards into #print-area, the only thing
// a printed page shows, one card a page (css/links.css).
import { el, t, fill, label, message, onLang, dateIn, timeIn, zoneName, wallToMs, tr, bidi, refusalText } from './ui.js';

const API = '/api/v1/meetings/';
const SVG = 'http://www.w3.org/2000/svg';
const ROLES = ['chair', 'moderator', 'secretariat', 'rapporteur', 'panelist', 'participant'];

const ui = {
  live: null,
  state: null,
  status: 'asking', // asking, ready, forbidden, absent (an older server), failed
  failure: '',
  links: [],
  card: null,       // {url, qr, link, who} of the link just issued
  batch: null,      // {done, total, cards: [{url, qr, link, who}], failed} of links issued for everyone
  confirm: null,    // id of the link whose revocation awaits a yes
  busy: false,
  shared: 'viewer', // what the role-or-screen form issues: a role name or 'viewer'
  note: '',
  copied: '',
  drawn: '',        // what the section was last drawn from
  focus: null,      // data-key to focus once drawn
};

const base = () => `${API}${encodeURIComponent(ui.live.meeting)}/links`;

async function call(method, path, body) {
  const r = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) {
    throw Object.assign(new Error(j.message || `HTTP ${r.status}`), {
      status: r.status, code: j.code, reason: j.reason, retry: Number(r.headers.get('retry-after')) || 0,
    });
  }
  return j;
}

async function load() {
  try {
    ui.links = (await call('GET', base())).links;
    ui.status = 'ready';
  } catch (e) {
    ui.status = e.status === 403 ? 'forbidden' : e.status === 404 ? 'absent' : 'failed';
    ui.failure = e.message;
  }
  draw(true);
}

async function issue(body, who, key) {
  if (ui.busy) return;
  ui.busy = true;
  draw(true);
  try {
    const j = await call('POST', base(), body);
    ui.card = { ...j, who, from: key };
    ui.copied = '';
    ui.focus = 'card';
    message(t('sec.links_issued_msg', { who }), 'ok');
    ui.links = (await call('GET', base())).links;
  } catch (e) {
    message(refusalText(e));
  }
  ui.busy = false;
  draw(true);
}

async function revoke(link) {
  if (ui.busy) return;
  ui.busy = true;
  ui.confirm = null;
  draw(true);
  try {
    const j = await call('POST', `${base()}/${link.id}/revoke`);
    message(t('sec.links_revoked_msg', { n: j.closed_streams }), 'ok');
    ui.links = (await call('GET', base())).links;
  } catch (e) {
    message(refusalText(e));
  }
  ui.busy = false;
  ui.focus = `revoked-${link.id}`;
  draw(true);
}

async function copy(url, input) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(url);
    ok = true;
  } catch (e) {
    // Without the clipboard API (a page not served over https): select and copy.
    input.select();
    try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
  }
  ui.copied = ok ? t('sec.links_copied') : t('sec.links_copy_failed');
  draw(true);
}

// Everyone without a valid link gets one, one request after another (the
// server's rate is respected: a 429 waits as long as it says).
async function issueAll() {
  if (ui.busy) return;
  const holders = new Set(ui.links.filter((l) => l.kind === 'person' && !l.revoked).map((l) => l.subject));
  const todo = ui.state.people.filter((p) => !holders.has(p.id));
  ui.busy = true;
  ui.batch = { done: 0, total: todo.length, cards: [], failed: [] };
  ui.focus = 'batch';
  draw(true);
  for (const p of todo) {
    for (let tries = 0; ; tries++) {
      try {
        const j = await call('POST', base(), { kind: 'person', subject: p.id, label: t('sec.links_batch_label') });
        ui.batch.cards.push({ ...j, who: p.name });
        break;
      } catch (e) {
        if (e.status === 429 && tries < 20) { await new Promise((r) => setTimeout(r, 1000 * (e.retry || 1))); continue; }
        ui.batch.failed.push(p.name);
        break;
      }
    }
    ui.batch.done++;
    draw(true);
  }
  try { ui.links = (await call('GET', base())).links; } catch (e) { /* the list is refreshed on the next change */ }
  ui.busy = false;
  message(t('sec.links_batch_done', { n: ui.batch.cards.length }), ui.batch.failed.length ? null : 'ok');
  draw(true);
}

// The cards in #print-area, then the browser's print dialog.
function printCards(cards) {
  let area = document.getElementById('print-area');
  if (!area) {
    area = el('div', { id: 'print-area', 'aria-hidden': 'true' });
    document.body.append(area);
  }
  area.replaceChildren(...cards.map((c) => cardBody(c, true)));
  document.body.classList.add('print-link');
  addEventListener('afterprint', () => { document.body.classList.remove('print-link'); area.replaceChildren(); }, { once: true });
  print();
}

// The links just issued as a CSV file for a mail merge: one row a person.
function downloadCsv(cards) {
  const m = ui.state.meeting;
  const z = m.timezone;
  const at = wallToMs(m.starts, z);
  const head = ['name', 'function', 'affiliation', 'roles', 'mode', 'link', 'meeting', 'date', 'time', 'time_zone', 'venue', 'online_link'];
  const rows = cards.map((c) => {
    const p = ui.state.people.find((x) => x.id === c.link.subject) || {};
    return [p.name || c.who, p.function, p.affiliation, (p.roles || []).join(' '), p.mode, c.url, m.title,
      at === null ? '' : dateIn(at, z), at === null ? '' : timeIn(at, z), z, m.venue, m.online_link];
  });
  const cell = (v) => {
    const x = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;
  };
  const text = `\ufeff${[head, ...rows].map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
  const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' })), download: `${ui.live.meeting}-links.csv` });
  document.body.append(a);
  a.click();
  a.remove();
}

// ---- drawing ----------------------------------------------------------------

function when(ms) {
  const z = ui.state.meeting.timezone;
  return `${dateIn(ms, z)} ${timeIn(ms, z)}`;
}

// The QR code as SVG: one path of horizontal runs of dark modules, a quiet
// zone of four modules, black on white whatever the page's colours.
function qrSvg(qr) {
  const n = qr.size;
  const side = n + 8;
  let d = '';
  qr.rows.forEach((row, y) => {
    for (let x = 0; x < n;) {
      if (row[x] !== '1') { x++; continue; }
      let run = 0;
      while (x + run < n && row[x + run] === '1') run++;
      d += `M${x + 4} ${y + 4}h${run}v1h-${run}z`;
      x += run;
    }
  });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${side} ${side}`);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('sec.links_qr'));
  svg.setAttribute('shape-rendering', 'crispEdges');
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(side));
  bg.setAttribute('height', String(side));
  bg.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}

function whoOf(link) {
  if (link.kind === 'interpreter' || (link.kind === 'viewer' && link.subject === 'interpreter')) return t('sec.links_for_interpreter');
  if (link.kind === 'viewer') return t('sec.links_for_viewer');
  if (link.kind === 'role') return t('sec.links_for_role', { role: label('role', link.subject) });
  const p = ui.state.people.find((x) => x.id === link.subject);
  return p ? p.name : link.subject;
}

// One link: when it was issued, its note, valid or revoked, and the way to revoke it.
function linkItem(link) {
  const issued = t('sec.links_issued_at', { when: when(link.issued_at_ms) });
  const bits = [issued];
  if (link.kind !== 'person') bits.unshift(whoOf(link));
  if (link.label) bits.push(t('sec.links_label', { label: link.label }));
  if (link.last_used_at_ms !== undefined) {
    bits.push(link.last_used_at_ms ? t('sec.links_used_at', { when: when(link.last_used_at_ms) }) : t('sec.links_never_used'));
  }
  const state = link.revoked
    ? el('span', { cls: 'badge' }, `✕ ${t('sec.links_revoked_at', { when: when(link.revoked_at_ms) })}`)
    : el('span', { cls: 'badge now' }, `✓ ${t('sec.links_valid')}`);
  let act = null;
  if (link.yours) {
    act = el('span', { cls: 'small muted' }, t('sec.links_yours'));
  } else if (!link.revoked && ui.confirm === link.id) {
    act = el('span', { cls: 'confirm', role: 'group', 'aria-label': t('sec.links_confirm') },
      el('span', { cls: 'small' }, t('sec.links_confirm')), ' ',
      el('button', { type: 'button', cls: 'danger', dataset: { key: `yes-${link.id}` }, disabled: ui.busy, onclick: () => revoke(link) }, t('sec.links_confirm_yes')), ' ',
      el('button', { type: 'button', dataset: { key: `no-${link.id}` }, onclick: () => { ui.confirm = null; ui.focus = `revoke-${link.id}`; draw(true); } }, t('sec.links_cancel')));
  } else if (!link.revoked) {
    act = el('button', {
      type: 'button', cls: 'danger', dataset: { key: `revoke-${link.id}` }, disabled: ui.busy,
      onclick: () => { ui.confirm = link.id; ui.focus = `yes-${link.id}`; draw(true); },
    }, t('sec.links_revoke'), el('span', { cls: 'vh' }, ` — ${whoOf(link)}, ${issued}`));
  }
  return el('li', { dataset: { link: link.id, key: `revoked-${link.id}` }, tabindex: link.revoked ? '-1' : null },
    el('span', {}, bits.join(' · ')), ' ', state, act ? ' ' : null, act);
}

// What a card says, on screen and on paper: the meeting, when and where,
// who it is for, the link and its QR code.
function cardBody(c, printing) {
  const m = ui.state.meeting;
  const z = m.timezone;
  const p = c.link.kind === 'person' ? ui.state.people.find((x) => x.id === c.link.subject) : null;
  const roles = p ? p.roles.map((r) => label('role', r)).join(', ') : '';
  const post = p ? [p.function, p.affiliation].filter(Boolean).join(', ') : '';
  const at = wallToMs(m.starts, z);
  const end = wallToMs(m.ends, z);
  const whenText = at === null ? '' : `${dateIn(at, z)}, ${timeIn(at, z)}${end === null ? '' : `–${timeIn(end, z)}`} ${zoneName(at, z)}`;
  return el('div', { cls: printing ? 'link-card print-card' : 'link-card-inner' },
    el('div', { cls: 'qr-box' }, qrSvg(c.qr)),
    el('div', { cls: 'link-card-text' },
      el(printing ? 'p' : 'h3', printing ? { cls: 'card-title' } : { id: 'link-card-h', tabindex: '-1', dataset: { key: 'card' } },
        t('sec.links_card_title', { meeting: tr(m, 'title') })),
      el('p', { cls: 'who' }, bidi(c.who)),
      roles && el('p', {}, roles),
      post ? el('p', { cls: 'muted' }, bidi(post)) : null,
      el('p', { cls: 'card-when' }, whenText),
      el('p', { cls: 'card-where' }, bidi(tr(m, 'venue'))),
      m.online_link ? el('p', { cls: 'card-online small' }, t('sec.links_card_online', { link: m.online_link })) : null,
      el('p', { cls: 'print-url' }, el('bdi', { dir: 'ltr' }, c.url))));
}

function card() {
  const c = ui.card;
  const input = el('input', { type: 'text', id: 'link-url', readonly: true, value: c.url, cls: 'link-url', dir: 'ltr' });
  const overlay = c.link.kind === 'viewer' ? `${c.url}?to=overlay` : null;
  const ovInput = overlay && el('input', { type: 'text', id: 'overlay-url', readonly: true, value: overlay, cls: 'link-url', dir: 'ltr' });
  return el('div', { cls: 'link-card', role: 'region', 'aria-labelledby': 'link-card-h' },
    cardBody(c, false),
    el('div', { cls: 'link-card-tools' },
      el('p', { cls: 'small' }, t('sec.links_card_once')),
      el('div', { cls: 'field' }, el('label', { for: 'link-url' }, t('sec.links_url')), input),
      overlay && el('div', { cls: 'field' }, el('label', { for: 'overlay-url' }, t('sec.links_overlay')), ovInput,
        el('p', { cls: 'small muted' }, t('sec.links_overlay_hint'))),
      el('div', { cls: 'actions' },
        el('button', { type: 'button', cls: 'primary', dataset: { key: 'copy' }, onclick: () => copy(c.url, input) }, t('sec.links_copy')),
        overlay && el('button', { type: 'button', dataset: { key: 'copy-overlay' }, onclick: () => copy(overlay, ovInput) }, t('sec.links_copy_overlay')),
        el('button', { type: 'button', dataset: { key: 'print' }, onclick: () => printCards([c]) }, t('sec.links_print')),
        el('button', { type: 'button', dataset: { key: 'done' }, onclick: () => { ui.focus = c.from; ui.card = null; ui.copied = ''; draw(true); } }, t('sec.links_done'))),
      el('p', { cls: 'small', role: 'status' }, ui.copied)));
}

// Links for everyone at once: progress, then print all, the CSV, done.
function batchPanel() {
  const b = ui.batch;
  const running = b.done < b.total;
  return el('div', { cls: 'notice batch', role: 'region', 'aria-labelledby': 'batch-h' },
    el('h3', { id: 'batch-h', tabindex: '-1', dataset: { key: 'batch' } }, t('sec.links_batch_title')),
    el('p', { role: 'status' }, running ? t('sec.links_batch_progress', { n: b.done, of: b.total }) : t('sec.links_batch_done', { n: b.cards.length })),
    b.failed.length ? el('p', { cls: 'error' }, t('sec.links_batch_failed', { names: b.failed.join(', ') })) : null,
    !running && el('p', { cls: 'small' }, t('sec.links_card_once')),
    !running && el('div', { cls: 'actions' },
      el('button', { type: 'button', cls: 'primary', dataset: { key: 'print-all' }, disabled: !b.cards.length || null, onclick: () => printCards(b.cards) }, t('sec.links_print_all')),
      el('button', { type: 'button', dataset: { key: 'csv' }, disabled: !b.cards.length || null, onclick: () => downloadCsv(b.cards) }, t('sec.links_csv')),
      el('button', { type: 'button', dataset: { key: 'batch-done' }, onclick: () => { ui.batch = null; ui.focus = 'issue-all'; draw(true); } }, t('sec.links_done'))));
}

function peopleTable() {
  const mine = (id) => ui.links.filter((l) => l.kind === 'person' && l.subject === id);
  const head = ['sec.name', 'sec.roles', 'sec.links_col_links', 'sec.links_col_new'];
  return el('div', { cls: 'table-wrap' }, el('table', { id: 'links-people' },
    el('caption', {}, t('sec.links_people')),
    el('thead', {}, el('tr', {}, head.map((k) => el('th', { scope: 'col' }, t(k))))),
    el('tbody', {}, ui.state.people.map((p) => {
      const ls = mine(p.id);
      return el('tr', { dataset: { person: p.id } },
        el('th', { scope: 'row' }, p.name),
        el('td', {}, p.roles.map((r) => label('role', r)).join(', ')),
        el('td', {}, ls.length ? el('ul', { cls: 'plain links-list' }, ls.map(linkItem)) : el('span', { cls: 'muted' }, t('sec.links_none'))),
        el('td', {}, el('button', {
          type: 'button', dataset: { key: `new-${p.id}` }, disabled: ui.busy,
          onclick: () => issue({ kind: 'person', subject: p.id }, p.name, `new-${p.id}`),
        }, t('sec.links_new'), el('span', { cls: 'vh' }, ` — ${p.name}`))));
    }))));
}

function sharedLinks() {
  const held = ROLES.filter((r) => ui.state.people.some((p) => p.roles.includes(r)));
  if (ui.shared !== 'viewer' && ui.shared !== 'interpreter' && !held.includes(ui.shared)) ui.shared = 'viewer';
  const select = el('select', { id: 'links-for', onchange: (e) => { ui.shared = e.target.value; } },
    el('option', { value: 'viewer' }, t('sec.links_for_viewer')),
    el('option', { value: 'interpreter' }, t('sec.links_for_interpreter')),
    held.map((r) => el('option', { value: r }, t('sec.links_for_role', { role: label('role', r) }))));
  select.value = ui.shared;
  const note = el('input', { type: 'text', id: 'links-note', maxlength: '100', value: ui.note, oninput: (e) => { ui.note = e.target.value; } });
  const submit = (e) => {
    e.preventDefault();
    const body = ui.shared === 'viewer' || ui.shared === 'interpreter' ? { kind: ui.shared } : { kind: 'role', subject: ui.shared };
    if (ui.note.trim()) body.label = ui.note.trim();
    ui.note = '';
    issue(body, whoOf(body), 'issue-shared');
  };
  const list = ui.links.filter((l) => l.kind !== 'person');
  return [
    el('h3', {}, t('sec.links_shared')),
    el('form', { cls: 'row', onsubmit: submit },
      el('div', { cls: 'field' }, el('label', { for: 'links-for' }, t('sec.links_for')), select),
      el('div', { cls: 'field' }, el('label', { for: 'links-note' }, t('sec.links_note')), note),
      el('button', { type: 'submit', cls: 'primary', dataset: { key: 'issue-shared' }, disabled: ui.busy }, t('sec.links_issue'))),
    list.length ? el('ul', { cls: 'plain links-list', id: 'links-shared' }, list.map(linkItem)) : el('p', { cls: 'muted' }, t('sec.links_none')),
  ];
}

function draw(force) {
  const s = ui.state;
  if (!s || !ui.live) return;
  // Redraw only for what this section shows (or when asked), so typing survives events.
  const from = JSON.stringify([s.people.map((p) => [p.id, p.name, p.roles, p.function, p.affiliation]), s.meeting.title]);
  if (!force && from === ui.drawn) return;
  ui.drawn = from;
  if (ui.status === 'asking') {
    fill('links', el('p', { cls: 'muted' }, t('sec.asking')));
  } else if (ui.status === 'absent') {
    fill('links',
      el('p', {}, t('sec.links_cli')),
      el('pre', {}, el('code', {}, `gavel invite --db DB --meeting ${ui.live.meeting} PERSON\ngavel invite --db DB --meeting ${ui.live.meeting} --role participant\ngavel invite --db DB --meeting ${ui.live.meeting} --revoke PERSON`)));
  } else if (ui.status === 'forbidden') {
    fill('links', el('p', {}, t('sec.links_forbidden')));
  } else if (ui.status === 'failed') {
    fill('links', el('p', { cls: 'error' }, t('sec.links_failed')),
      el('button', { type: 'button', onclick: () => load() }, t('sec.links_refresh')));
  } else {
    fill('links',
      el('p', {}, t('sec.links_intro')),
      ui.card && card(),
      ui.batch ? batchPanel() : el('div', { cls: 'actions' }, el('button', {
        type: 'button', dataset: { key: 'issue-all' }, disabled: ui.busy || null, onclick: issueAll,
      }, t('sec.links_issue_all'))),
      peopleTable(),
      sharedLinks(),
      el('div', { cls: 'actions' }, el('button', { type: 'button', dataset: { key: 'refresh' }, disabled: ui.busy, onclick: () => load() }, t('sec.links_refresh'))));
  }
  if (ui.focus) {
    const n = document.querySelector(`#links [data-key="${CSS.escape(ui.focus)}"]`);
    if (n) n.focus();
    ui.focus = null;
  }
}

// Called once the page has its connection.
export function initLinks(live) {
  ui.live = live;
  onLang(() => draw(true));
  load();
}

// Called with every state the page draws.
export function renderLinks(s, live) {
  ui.live = live;
  ui.state = s;
  draw(false);
}

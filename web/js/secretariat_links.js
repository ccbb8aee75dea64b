// The secretariat's invitation links (docs/protocol.md, "Invitation links"):
// the people with the links each holds, a new link for a person, a role or a
// screen, its QR code and a card to print, and revocation after a
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
// and ui.js ask). Printing shows only the card (css/links.css).
import { el, t, fill, label, message, onLang, dateIn, timeIn } from './ui.js';

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
  if (!r.ok) throw Object.assign(new Error(j.message || `HTTP ${r.status}`), { status: r.status });
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
    message(t('err.refused', { msg: e.message }));
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
    message(t('err.refused', { msg: e.message }));
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

function printCard() {
  document.body.classList.add('print-link');
  addEventListener('afterprint', () => document.body.classList.remove('print-link'), { once: true });
  print();
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

function card() {
  const c = ui.card;
  const m = ui.state.meeting;
  const p = c.link.kind === 'person' ? ui.state.people.find((x) => x.id === c.link.subject) : null;
  const roles = p ? p.roles.map((r) => label('role', r)).join(', ') : '';
  const post = p ? [p.function, p.affiliation].filter(Boolean).join(', ') : '';
  const input = el('input', { type: 'text', id: 'link-url', readonly: true, value: c.url, cls: 'link-url', dir: 'ltr' });
  return el('div', { cls: 'link-card', role: 'region', 'aria-labelledby': 'link-card-h' },
    el('div', { cls: 'qr-box' }, qrSvg(c.qr)),
    el('div', { cls: 'link-card-text' },
      el('h3', { id: 'link-card-h', tabindex: '-1', dataset: { key: 'card' } }, t('sec.links_card_title', { meeting: m.title })),
      el('p', { cls: 'who' }, c.who),
      roles && el('p', {}, roles),
      post ? el('p', { cls: 'muted' }, post) : null,
      el('p', { cls: 'print-url' }, el('bdi', { dir: 'ltr' }, c.url)),
      el('p', { cls: 'small no-print' }, t('sec.links_card_once')),
      el('div', { cls: 'field no-print' }, el('label', { for: 'link-url' }, t('sec.links_url')), input),
      el('div', { cls: 'actions no-print' },
        el('button', { type: 'button', cls: 'primary', dataset: { key: 'copy' }, onclick: () => copy(c.url, input) }, t('sec.links_copy')),
        el('button', { type: 'button', dataset: { key: 'print' }, onclick: printCard }, t('sec.links_print')),
        el('button', { type: 'button', dataset: { key: 'done' }, onclick: () => { ui.focus = c.from; ui.card = null; ui.copied = ''; draw(true); } }, t('sec.links_done'))),
      el('p', { cls: 'small no-print', role: 'status' }, ui.copied)));
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
  if (ui.shared !== 'viewer' && !held.includes(ui.shared)) ui.shared = 'viewer';
  const select = el('select', { id: 'links-for', onchange: (e) => { ui.shared = e.target.value; } },
    el('option', { value: 'viewer' }, t('sec.links_for_viewer')),
    held.map((r) => el('option', { value: r }, t('sec.links_for_role', { role: label('role', r) }))));
  select.value = ui.shared;
  const note = el('input', { type: 'text', id: 'links-note', maxlength: '100', value: ui.note, oninput: (e) => { ui.note = e.target.value; } });
  const submit = (e) => {
    e.preventDefault();
    const body = ui.shared === 'viewer' ? { kind: 'viewer' } : { kind: 'role', subject: ui.shared };
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
    fill('links', el('p', { cls: 'error' }, t('err.refused', { msg: ui.failure })),
      el('button', { type: 'button', onclick: () => load() }, t('sec.links_refresh')));
  } else {
    fill('links',
      el('p', {}, t('sec.links_intro')),
      ui.card && card(),
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

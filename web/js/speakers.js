// The lists of speakers page: each agenda item's list as it stands (the
// provisional list before it runs, the speakers' list while it runs), with
// when inscription is open, when the list last changed, why each place
// stands where it stands, and the list to download as PDF or CSV in the
// page's language. Any link of the meeting reads it; the secretariat and the
// presiding officers also arrange it here: inscribe a delegation, move a
// place up or down, swap two places, withdraw, and open or close inscription.
import { boot, el, t, fill, act, label, person, currentLang, wallToMs, message } from './ui.js';
import { options } from './views.js';
import { LEVELS, isState, mayStateForGroup, delegationOf, provisionalOf, listOf, inscriptionOpen, whyHere, when, wallOf } from './lists.js';

let chosen = new URLSearchParams(location.search).get('item');

function keeper(s, live) {
  const me = person(s, live.me);
  return !!me && me.roles.some((r) => r === 'secretariat' || r === 'chair' || r === 'moderator');
}

// The item shown: the one asked for, else the running one, else the first whose list is open or not empty.
function itemShown(s) {
  if (chosen && s.agenda.some((i) => i.id === chosen)) return chosen;
  const running = (s.provisional || []).find((p) => p.running);
  const busy = (s.provisional || []).find((p) => p.list.length || p.inscription.opens_at_ms !== null);
  return (running || busy || { item: s.agenda[0].id }).item;
}

function windowWords(s, prov) {
  const w = prov.inscription;
  const z = s.meeting.timezone;
  if (w.opens_at_ms === null) return t('sl.inscription_none');
  const opens = when(w.opens_at_ms, z);
  if (w.closes_at_ms === null) return t('sl.inscription_until', { opens });
  return t('sl.inscription_window', { opens, closes: when(w.closes_at_ms, z) });
}

function renderInfo(s, live, item, prov) {
  const z = s.meeting.timezone;
  const open = inscriptionOpen(s, prov, live.now());
  const row = (k, ...v) => [el('dt', {}, t(k)), el('dd', {}, ...v)];
  fill('info',
    row('sl.order', t(`sl.policy.${prov.policy}`)),
    row('sl.inscription', windowWords(s, prov), ' ',
      prov.running ? el('span', { cls: 'badge now' }, `▶ ${t('agenda.now')}`)
        : el('span', { cls: open ? 'badge now' : 'badge', id: 'ins-state' }, open ? `✓ ${t('sl.open_now')}` : t('sl.closed_now'))),
    row('sl.changed', prov.changed_at_ms !== null ? when(prov.changed_at_ms, z) : t('sl.never_changed')),
    row('sl.as_of', when(s.last_at_ms, z)));
  document.getElementById('note').textContent = t(prov.running ? 'sl.running_note' : 'sl.note');
  const base = `/api/v1/meetings/${encodeURIComponent(live.meeting)}/speakers?item=${encodeURIComponent(item)}&lang=${currentLang()}`;
  fill('downloads',
    el('a', { href: `${base}&format=pdf`, download: '', id: 'dl-pdf' }, `⤓ ${t('sl.download')} PDF`), ' ',
    el('a', { href: `${base}&format=csv`, download: '', id: 'dl-csv' }, `⤓ ${t('sl.download')} CSV`));
}

function moveTo(live, e, position) { return act(live, { type: 'move_inscription', request: e.request, position }, () => message(t('sl.changed_ok'), 'ok')); }

function rowActions(s, live, list, e, i) {
  const who = () => el('span', { cls: 'vh' }, ` — ${e.name}`);
  const swap = el('select', { dataset: { key: `swap-with-${e.request}` }, 'aria-label': `${t('sl.swap_with')} — ${e.name}` });
  options(swap, list.filter((o) => o.request !== e.request).map((o) => [String(o.request), `${o.position + 1}. ${delegationOf(person(s, o.person))}`]));
  return el('div', { cls: 'actions' },
    el('button', { type: 'button', disabled: i === 0 || null, dataset: { key: `up-${e.request}` }, onclick: () => moveTo(live, e, i - 1) }, `↑ ${t('sl.up')}`, who()),
    el('button', { type: 'button', disabled: i === list.length - 1 || null, dataset: { key: `down-${e.request}` }, onclick: () => moveTo(live, e, i + 1) }, `↓ ${t('sl.down')}`, who()),
    list.length > 1 && swap,
    list.length > 1 && el('button', { type: 'button', dataset: { key: `swap-${e.request}` },
      onclick: () => act(live, { type: 'swap_inscriptions', request: e.request, with: Number(swap.value) }, () => message(t('sl.changed_ok'), 'ok')) }, `⇅ ${t('sl.swap')}`, who()),
    el('button', { type: 'button', cls: 'danger', dataset: { key: `remove-${e.request}` },
      onclick: () => act(live, { type: 'withdraw_inscription', request: e.request }, () => message(t('sl.withdrawn_ok'), 'ok')) }, t('sl.remove'), who()));
}

function renderList(s, live, prov, list) {
  const manage = keeper(s, live) && !prov.running && s.status !== 'closed';
  const cols = ['sl.col.n', 'sl.col.speaker', 'sl.col.delegation', 'sl.col.level', 'sl.col.on_behalf', 'sl.col.mode', 'sl.col.why'];
  document.getElementById('empty').hidden = list.length > 0;
  document.getElementById('empty').textContent = t('sl.empty');
  if (!list.length) return fill('list');
  fill('list',
    el('caption', { cls: 'vh' }, t('sl.title')),
    el('thead', {}, el('tr', {}, cols.map((k) => el('th', { scope: 'col' }, t(k))), manage && el('th', { scope: 'col' }, t('sl.col.actions')))),
    el('tbody', {}, list.map((e, i) => {
      const p = person(s, e.person);
      return el('tr', { dataset: { request: e.request, person: e.person } },
        el('td', { cls: 'num' }, String(e.position + 1)),
        el('th', { scope: 'row' }, el('bdi', {}, e.name), p && p.function ? el('div', { cls: 'small muted' }, el('bdi', {}, p.function)) : null),
        el('td', {}, el('bdi', {}, delegationOf(p))),
        el('td', {}, isState(p) ? t(`sl.level.${e.level}`) : '—'),
        el('td', {}, e.on_behalf_of ? el('bdi', {}, e.on_behalf_of) : ''),
        el('td', {}, label('mode', e.mode)),
        el('td', { cls: 'why' }, whyHere(s, e), e.pinned ? el('span', { cls: 'badge warn' }, t('sl.pinned')) : null),
        manage && el('td', {}, rowActions(s, live, list, e, i)));
    })));
}

function renderManage(s, live, item, prov) {
  const card = document.getElementById('manage');
  card.hidden = !keeper(s, live) || prov.running || s.status === 'closed';
  if (card.hidden) return;
  const listed = new Set(prov.list.map((e) => e.person));
  const who = s.people.filter((p) => !listed.has(p.id) && (p.roles.includes('participant') || p.roles.includes('panelist')));
  const sel = document.getElementById('add-person');
  options(sel, who.map((p) => [p.id, `${p.name} (${delegationOf(p)})`]));
  const chosenPerson = person(s, sel.value);
  options(document.getElementById('add-level'), (isState(chosenPerson) ? LEVELS : ['head_of_delegation']).map((l) => [l, t(`sl.level.${l}`)]));
  document.getElementById('add-obo').disabled = !mayStateForGroup(chosenPerson);
  document.getElementById('window-zone').textContent = s.meeting.timezone;
  // The fields show the window as it stands when the item or its window
  // changes, and are left alone otherwise: a new window may be half typed.
  const w = prov.inscription;
  const shown = `${item}|${w.opens_at_ms}|${w.closes_at_ms}`;
  if (card.dataset.window !== shown) {
    document.getElementById('win-opens').value = w.opens_at_ms === null ? '' : wallOf(w.opens_at_ms, s.meeting.timezone);
    document.getElementById('win-closes').value = w.closes_at_ms === null ? '' : wallOf(w.closes_at_ms, s.meeting.timezone);
    card.dataset.window = shown;
  }
  card.dataset.item = item;
}

const page = {
  title: 'sl.page_title',
  init(live) {
    const itemSel = document.getElementById('item');
    itemSel.addEventListener('change', () => {
      chosen = itemSel.value;
      const u = new URL(location.href);
      u.searchParams.set('item', chosen);
      history.replaceState(null, '', u.href);
      const s = live.shown();
      if (s) page.render(s, live);
    });
    document.getElementById('add-person').addEventListener('change', () => { const s = live.shown(); if (s) page.render(s, live); });
    document.getElementById('add-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const cmd = { type: 'inscribe_speaker', item: document.getElementById('manage').dataset.item, person: document.getElementById('add-person').value,
        level: document.getElementById('add-level').value };
      const obo = document.getElementById('add-obo').value.trim();
      if (obo) cmd.on_behalf_of = obo;
      act(live, cmd, () => { document.getElementById('add-obo').value = ''; message(t('sl.changed_ok'), 'ok'); });
    });
    const zone = () => live.shown().meeting.timezone;
    document.getElementById('window-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const opens = wallToMs(document.getElementById('win-opens').value, zone());
      const closesText = document.getElementById('win-closes').value;
      const cmd = { type: 'set_inscription', item: document.getElementById('manage').dataset.item, opens_at_ms: opens };
      if (closesText) cmd.closes_at_ms = wallToMs(closesText, zone());
      act(live, cmd, () => message(t('sl.changed_ok'), 'ok'));
    });
    document.getElementById('win-none').addEventListener('click', () => {
      act(live, { type: 'set_inscription', item: document.getElementById('manage').dataset.item, opens_at_ms: null }, () => message(t('sl.changed_ok'), 'ok'));
    });
  },
  render(s, live) {
    const item = itemShown(s);
    options(document.getElementById('item'), s.agenda.map((i) => [i.id, i.title]));
    document.getElementById('item').value = item;
    const prov = provisionalOf(s, item);
    if (!prov) return;
    renderInfo(s, live, item, prov);
    renderList(s, live, prov, listOf(s, item));
    renderManage(s, live, item, prov);
  },
  tick(s, live) {
    // Inscription opens and closes with the clock, not with an event.
    const prov = provisionalOf(s, itemShown(s));
    const badge = document.getElementById('ins-state');
    if (!prov || !badge) return;
    const open = inscriptionOpen(s, prov, live.now());
    if ((badge.className === 'badge now') !== open) renderInfo(s, live, itemShown(s), prov);
  },
};

boot(page);

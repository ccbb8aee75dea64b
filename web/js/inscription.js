// The participant page's part of the lists before the meeting: the person's
// place on each provisional list they are inscribed on (with why it stands
// there; withdraw, or change the level declared), and the form to inscribe
// for an item whose inscription is open. The lists themselves are on the
// speakers page (speakers.js).
import { el, t, fill, act, person, message } from './ui.js';
import { options } from './views.js';
import { LEVELS, isState, mayStateForGroup, provisionalOf, inscriptionOpen, inscriptionsOf, whyHere, speakersHref } from './lists.js';

let shownOpen = '';

// Items the person may inscribe for now: open, and not inscribed on already.
function openItems(s, live) {
  const mine = new Set(inscriptionsOf(s, live.me).map((x) => x.item));
  return s.agenda.filter((i) => !mine.has(i.id) && inscriptionOpen(s, provisionalOf(s, i.id), live.now()));
}

function levelOptions(select, p, value) {
  options(select, (isState(p) ? LEVELS : ['head_of_delegation']).map((l) => [l, t(`sl.level.${l}`)]));
  if (value) select.value = value;
}

function mineCard(s, live, x) {
  const item = s.agenda.find((i) => i.id === x.item);
  const e = x.entry;
  const level = el('select', { dataset: { key: `level-${e.request}` }, 'aria-label': t('sl.level_label') });
  levelOptions(level, person(s, live.me), e.level);
  return el('div', { cls: 'card', dataset: { request: e.request, item: x.item } },
    el('p', { cls: 'small muted' }, item ? item.title : x.item),
    el('p', { cls: 'place', id: `ins-place-${x.item}` }, t('p.place', { n: e.position + 1, of: x.of })),
    el('p', { cls: 'small' }, whyHere(s, e)),
    el('div', { cls: 'actions' },
      isState(person(s, live.me)) && level,
      isState(person(s, live.me)) && el('button', { type: 'button', dataset: { key: `relevel-${e.request}` },
        onclick: () => act(live, { type: 'set_speaker_level', request: e.request, level: level.value }) }, t('sl.change_level')),
      el('button', { type: 'button', cls: 'danger', dataset: { key: `unins-${e.request}` },
        onclick: () => act(live, { type: 'withdraw_inscription', request: e.request }, () => message(t('sl.withdrawn_ok'), 'ok')) }, t('sl.withdraw'))));
}

export function initInscribe(live) {
  document.getElementById('ins-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const cmd = { type: 'inscribe', item: document.getElementById('ins-item').value, level: document.getElementById('ins-level').value };
    const obo = document.getElementById('ins-obo').value.trim();
    if (obo) cmd.on_behalf_of = obo;
    act(live, cmd, () => { document.getElementById('ins-obo').value = ''; message(t('sl.inscribed_ok'), 'ok'); });
  });
}

export function renderInscribe(s, live) {
  const me = person(s, live.me);
  const card = document.getElementById('ins-card');
  const speaks = me && me.roles.some((r) => ['participant', 'panelist', 'chair', 'moderator'].includes(r));
  card.hidden = !speaks;
  if (!speaks) return;
  const mine = inscriptionsOf(s, live.me);
  const open = openItems(s, live);
  shownOpen = open.map((i) => i.id).join(',');
  fill('ins-mine', mine.map((x) => mineCard(s, live, x)));
  document.getElementById('ins-form').hidden = !open.length;
  document.getElementById('ins-none').textContent = open.length || mine.length ? '' : t('sl.none_open');
  options(document.getElementById('ins-item'), open.map((i) => [i.id, i.title]));
  levelOptions(document.getElementById('ins-level'), me, null);
  document.getElementById('ins-level-field').hidden = !isState(me);
  document.getElementById('ins-obo-field').hidden = !mayStateForGroup(me);
  document.getElementById('ins-lists').href = speakersHref(open.length ? open[0].id : null);
}

// Inscription opens and closes with the clock: redraw when that changes.
export function tickInscribe(s, live) {
  if (!live.me) return;
  if (openItems(s, live).map((i) => i.id).join(',') !== shownOpen) renderInscribe(s, live);
}

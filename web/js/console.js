// The chair's and moderator's console (the rapporteur's page is rapporteur.js):
// a bar that stays on screen with who has the floor, the clock and who is
// next; the floor, where one action changes the speaker; the speakers' list
// with the item's planned speakers and why each stands where they stand
// (reorder by keyboard or by dragging); the audience's questions with
// moderation (approve, edit, merge, show on the room screen); the agenda
// planned against actual; the guiding question, notes, and the
// participation shares so far.
//
// Keyboard: the chair's frequent actions have single-key shortcuts (KEYS,
// listed on the page with "?"); they act only when no text field has the
// focus. Destructive actions (decline, dismiss, starting or ending an item
// while someone speaks, closing the meeting) ask first, and the list's
// changes and a dismissal can be undone.
import {
  boot, el, t, tn, fill, act, label, dur, person, message, bidi, tr, cmdButton, guarded,
  askConfirm, confirmOpen, redraw, focusLater,
} from './ui.js';
import { nowBlock, clockBox, drawClock, agendaItems, options, gqOptions, gqOf, speechOf, questionHead, itemOf } from './views.js';
import { ClockAnnouncer } from './client.js';

let announcer = null;
let presiding = false;
let notesAllowed = false;
let current = null;          // the state and the connection, for the shortcuts
let editing = null;          // {question, text}: a question's wording being edited
let dismissed = null;        // {question}: the visible question last dismissed, for its undo
const declineReasons = new Map(); // request -> reason typed in its confirmation

// Single-key shortcuts: key -> [label key, action].
const KEYS = {
  n: ['c.next', () => nextSpeaker()],
  a: ['c.answer', () => answer()],
  e: ['c.end', () => speechCmd('end_speech')],
  p: ['c.pause_resume', () => pauseResume()],
  m: ['c.plus_min', () => speechCmd('extend_speech', { added_ms: 60000 })],
  s: ['c.start_next', () => startNextItem()],
  u: ['c.undo', () => undo()],
  o: ['c.open_meeting', () => openMeeting()],
};

const speechSeen = (s) => (speechOf(s) ? speechOf(s).speech : null);

function roles(s, live) {
  const me = person(s, live.me);
  const r = me ? me.roles : [];
  presiding = r.includes('chair') || r.includes('moderator');
  notesAllowed = presiding || r.includes('rapporteur');
  for (const e of document.querySelectorAll('.presiding')) e.hidden = !presiding;
  document.getElementById('note-form').hidden = !notesAllowed;
  const roleText = me ? `${me.name} · ${r.map((x) => label('role', x)).join(', ')}` : t('c.read_only');
  document.getElementById('role').textContent = roleText;
}

// ---- the chair's actions --------------------------------------------------------

function nextSpeaker() {
  const { s, live } = current;
  if (s.status !== 'open' || !s.floor.next) return;
  act(live, { type: 'next_speaker', speech: speechSeen(s) }, null, 'next');
}

// The panelist a question on the floor is addressed to answers it.
function answer() {
  const { s, live } = current;
  const sp = speechOf(s);
  if (!sp || !sp.to) return;
  act(live, { type: 'give_floor', person: sp.to, answer_to: sp.speech, speech: sp.speech }, null, 'answer');
}

function speechCmd(type, extra) {
  const { s, live } = current;
  const sp = speechOf(s);
  if (!sp) return;
  act(live, { type, speech: sp.speech, ...extra });
}

function pauseResume() {
  const sp = speechOf(current.s);
  if (sp) speechCmd(sp.paused_at_ms !== null ? 'resume_speech' : 'pause_speech');
}

function undo() {
  const { s, live } = current;
  if (s.floor.undo) act(live, { type: 'undo_list_change' });
}

function openMeeting() {
  const { s, live } = current;
  if (s.status === 'scheduled') act(live, { type: 'open_meeting' });
}

// The agenda item after the running one, or after the last one held.
function nextItem(s) {
  let last = -1;
  s.agenda.forEach((i, n) => { if (i.started_at_ms !== null || s.current_item === i.id) last = n; });
  return s.agenda[last + 1] || null;
}

function startItem(id) {
  act(current.live, { type: 'start_item', item: id });
}

function startNextItem() {
  const { s } = current;
  const i = nextItem(s);
  if (s.status !== 'open' || !i) return;
  if (speechOf(s)) askConfirm(`start-${i.id}`);
  else startItem(i.id);
}

// ---- the bar that stays on screen ------------------------------------------------

function renderBar(s, live) {
  const sp = speechOf(s);
  const next = s.floor.next;
  const open = s.status === 'open';
  fill('bar-who', sp ? [el('span', { cls: 'bar-label' }, t('c.bar_now')), ' ', el('strong', { id: 'bar-speaker' }, bidi(sp.name))]
    : el('span', { cls: 'muted' }, open ? t('now.nobody') : nowStatus(s)));
  fill('bar-next', next ? [el('span', { cls: 'bar-label' }, t('c.bar_next')), ' ', el('span', { id: 'bar-next-name' }, bidi(next.name))]
    : (open && s.floor.item ? el('span', { cls: 'muted' }, t('c.bar_nobody_next')) : null));
  const slot = document.getElementById('bar-clock');
  if (sp && !slot.firstChild) fill(slot, clockBox());
  if (!sp) fill(slot);
  if (!presiding) return fill('bar-actions');
  const paused = sp && sp.paused_at_ms !== null;
  fill('bar-actions',
    cmdButton(live, [`⏭ ${t('c.next')}`, el('kbd', { 'aria-hidden': 'true' }, 'N')], { type: 'next_speaker', speech: speechSeen(s) },
      { key: 'next', cls: 'primary', id: 'btn-next', 'aria-keyshortcuts': 'N', disabled: !open || !next || null }),
    sp && sp.to && cmdButton(live, [`↩ ${t('c.answer')}`, el('kbd', { 'aria-hidden': 'true' }, 'A')],
      { type: 'give_floor', person: sp.to, answer_to: sp.speech, speech: sp.speech }, { key: 'answer', id: 'btn-answer', 'aria-keyshortcuts': 'A' }),
    sp && (paused ? cmdButton(live, [`▶ ${t('c.resume')}`, el('kbd', { 'aria-hidden': 'true' }, 'P')], { type: 'resume_speech', speech: sp.speech }, { id: 'btn-resume', 'aria-keyshortcuts': 'P' })
      : cmdButton(live, [`⏸ ${t('c.pause')}`, el('kbd', { 'aria-hidden': 'true' }, 'P')], { type: 'pause_speech', speech: sp.speech }, { id: 'btn-pause', 'aria-keyshortcuts': 'P' })),
    sp && cmdButton(live, [`+1 ${t('c.min')}`, el('kbd', { 'aria-hidden': 'true' }, 'M')], { type: 'extend_speech', added_ms: 60000, speech: sp.speech }, { id: 'btn-extend', 'aria-keyshortcuts': 'M' }),
    sp && cmdButton(live, [`⏹ ${t('c.end')}`, el('kbd', { 'aria-hidden': 'true' }, 'E')], { type: 'end_speech', speech: sp.speech }, { cls: 'danger', id: 'btn-end', 'aria-keyshortcuts': 'E' }),
    el('button', { type: 'button', id: 'btn-keys', 'aria-expanded': document.getElementById('keys').hidden ? 'false' : 'true', 'aria-controls': 'keys', onclick: toggleKeys }, `? ${t('c.keys')}`));
}

function nowStatus(s) { return s.status === 'closed' ? t('m.closed') : t('m.scheduled'); }

function toggleKeys() {
  const k = document.getElementById('keys');
  k.hidden = !k.hidden;
  redraw();
}

function renderKeys() {
  fill('keys-list', Object.entries(KEYS).map(([k, [what]]) => el('li', {}, el('kbd', {}, k.toUpperCase()), ' ', t(what))),
    el('li', {}, el('kbd', {}, '?'), ' ', t('c.keys')));
}

// ---- the floor ------------------------------------------------------------------

function renderFloor(s, live) {
  fill('now', nowBlock(s));
  const people = s.people.filter((p) => !p.roles.every((r) => r === 'secretariat' || r === 'rapporteur'));
  const planned = new Set(s.floor.planned.filter((x) => !x.heard).map((x) => x.person));
  options(document.getElementById('give-who'), people.map((p) => [p.id, `${planned.has(p.id) ? '★ ' : ''}${p.name}`]));
  const give = document.getElementById('give-go');
  give.disabled = s.status !== 'open' || !s.current_item;
}

function move(live, r, position) { return act(live, { type: 'move_request', request: r.request, position }); }

function requestName(s, id) {
  const r = s.floor_requests.find((x) => x.request === id);
  return r ? (person(s, r.person) || { name: r.person }).name : '';
}

// The last change of the list in words, with its undo.
function renderUndo(s, live) {
  const u = s.floor.undo;
  if (!presiding || !u) return fill('list-undo');
  const who = u.request ? requestName(s, u.request) : '';
  fill('list-undo', el('div', { cls: 'notice undo' },
    el('span', {}, tn(`c.undo_${u.change}`, { name: who })), ' ',
    cmdButton(live, [`↶ ${t('c.undo')}`, el('kbd', { 'aria-hidden': 'true' }, 'U')], { type: 'undo_list_change' }, { id: 'btn-undo', 'aria-keyshortcuts': 'U' })));
}

function declineControl(s, live, r, who) {
  const key = `decline-${r.request}`;
  const yes = () => {
    const cmd = { type: 'decline', request: r.request };
    const text = (declineReasons.get(r.request) || '').trim();
    if (text) cmd.reason = text;
    declineReasons.delete(r.request);
    act(live, cmd);
  };
  const reason = confirmOpen(key) && [
    el('label', { for: `reason-${r.request}`, cls: 'small' }, t('c.decline_reason')), ' ',
    el('input', {
      type: 'text', maxlength: '200', id: `reason-${r.request}`, value: declineReasons.get(r.request) || '',
      oninput: (e) => declineReasons.set(r.request, e.target.value),
      onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); document.querySelector(`[data-key="${key}-yes"]`).click(); } },
    }), ' '];
  return guarded(key, [t('c.decline'), who()], t('c.decline_ask', { name: r.name }), t('c.decline_yes'), yes, { cls: 'danger' }, reason);
}

function listEntry(s, live, r, i, n) {
  // The same buttons stand beside every name: a hidden part says whose.
  const who = () => el('span', { cls: 'vh' }, ` — ${r.name}`);
  const isNext = s.floor.next && s.floor.next.request === r.request;
  const li = el('li', { dataset: { request: r.request, person: r.person }, draggable: presiding ? 'true' : null },
    el('div', { cls: 'item-head' },
      el('strong', {}, `${i + 1}. `, bidi(r.name)),
      isNext ? el('span', { cls: 'badge now' }, `⏭ ${t('c.is_next')}`) : null,
      el('span', { cls: 'badge' }, r.mode === 'online' ? `🖥 ${label('mode', 'online')}` : `🏛 ${label('mode', 'room')}`),
      el('span', { cls: 'badge' }, label('kind', r.kind)),
      r.pinned ? el('span', { cls: 'badge warn' }, t('c.pinned')) : null),
    el('div', { cls: 'small muted' }, bidi(r.affiliation), ` · ${label('group', r.group)}`,
      r.to ? [' · ', tn('q.to', { name: (person(s, r.to) || { name: r.to }).name })] : null),
    el('div', { cls: 'small', title: r.reason }, `${t('c.why')} ${label('reason', r.reason_code)} · ${t('c.wait', { time: dur(r.expected_wait_ms) })}`),
    presiding && el('div', { cls: 'actions' },
      cmdButton(live, [t('c.give_now'), who()], { type: 'give_floor', request: r.request, speech: speechSeen(s) }, { dataset: { key: `give-${r.request}` } }),
      el('button', { type: 'button', disabled: i === 0 || null, dataset: { key: `up-${r.request}` }, onclick: () => move(live, r, i - 1) }, `↑ ${t('c.up')}`, who()),
      el('button', { type: 'button', disabled: i === n - 1 || null, dataset: { key: `down-${r.request}` }, onclick: () => move(live, r, i + 1) }, `↓ ${t('c.down')}`, who()),
      cmdButton(live, [t('c.top'), who()], { type: 'move_to_top', request: r.request }, { disabled: i === 0 || null, dataset: { key: `top-${r.request}` } }),
      declineControl(s, live, r, who)));
  if (presiding) {
    li.addEventListener('dragstart', (e) => { e.dataTransfer.setData('text/plain', String(r.request)); });
    li.addEventListener('dragover', (e) => e.preventDefault());
    li.addEventListener('drop', (e) => {
      e.preventDefault();
      const req = Number(e.dataTransfer.getData('text/plain'));
      if (req && req !== r.request) act(live, { type: 'move_request', request: req, position: i });
    });
  }
  return li;
}

// The item's planned speakers still to speak, in their order.
function renderPlanned(s) {
  const sp = speechOf(s);
  const next = s.floor.next;
  const left = s.floor.planned.filter((x) => !x.heard && (!sp || sp.person !== x.person));
  document.getElementById('planned-h').hidden = !left.length;
  fill('planned', left.map((x, i) => {
    const p = person(s, x.person) || { name: x.person, affiliation: '' };
    const isNext = next && !next.request && next.person === x.person;
    return el('li', { dataset: { person: x.person } },
      el('div', { cls: 'item-head' }, el('strong', {}, `${i + 1}. `, bidi(p.name)),
        isNext ? el('span', { cls: 'badge now' }, `⏭ ${t('c.is_next')}`) : null,
        el('span', { cls: 'badge' }, `★ ${t('c.planned_badge')}`)),
      el('div', { cls: 'small muted' }, bidi(p.affiliation || '')));
  }));
}

function renderList(s, live) {
  const f = s.floor;
  const info = [];
  if (f.policy) info.push(t('c.policy', { policy: label('policy', f.policy) }));
  info.push(f.list_closed ? `🔒 ${t('c.list_closed')}` : t('c.list_open'));
  if (f.closes_at_ms && !f.list_closed) info.push(t('c.closes_at', { time: new Date(f.closes_at_ms).toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }) }));
  document.getElementById('list-info').textContent = info.join(' · ');
  fill('list-actions',
    f.list_closed ? cmdButton(live, t('c.reopen'), { type: 'reopen_list' }) : cmdButton(live, t('c.close_list'), { type: 'close_list' }, { disabled: !f.item || null }));
  renderUndo(s, live);
  renderPlanned(s);
  const n = f.list.length;
  fill('list', n ? f.list.map((r, i) => listEntry(s, live, r, i, n)) : el('li', { cls: 'muted' }, t('c.list_empty')));
}

// ---- questions --------------------------------------------------------------------

function editControls(live, q) {
  const area = el('textarea', { id: `edit-${q.question}`, maxlength: '500', oninput: (e) => { editing.text = e.target.value; } });
  area.value = editing.text;
  const save = () => {
    const text = editing.text.trim();
    if (!text) return;
    act(live, { type: 'edit_question', question: q.question, text }, () => { editing = null; focusLater(`edit-${q.question}`); });
  };
  return el('div', { cls: 'edit-box' },
    el('label', { for: `edit-${q.question}`, cls: 'small' }, t('c.edit_label')), area,
    el('div', { cls: 'actions' },
      el('button', { type: 'button', cls: 'primary', dataset: { key: `save-${q.question}` }, onclick: save }, t('c.edit_save')),
      el('button', { type: 'button', dataset: { key: `cancel-${q.question}` }, onclick: () => { editing = null; focusLater(`edit-${q.question}`); redraw(); } }, t('ui.cancel'))));
}

function mergeControl(s, live, q) {
  const others = s.questions.filter((x) => x.question !== q.question && (x.state === 'visible' || x.state === 'pending'));
  if (!others.length) return null;
  const id = `merge-${q.question}`;
  const sel = el('select', { id, dataset: { key: id } },
    el('option', { value: '' }, t('c.merge_into')),
    others.map((x) => el('option', { value: String(x.question) }, x.text.length > 60 ? `${x.text.slice(0, 60)}…` : x.text)));
  sel.addEventListener('change', () => {
    if (sel.value) act(live, { type: 'merge_question', question: q.question, into: Number(sel.value) });
  });
  return [el('label', { for: id, cls: 'vh' }, t('c.merge_into')), sel];
}

function questionActions(s, live, q) {
  const k = (x) => ({ dataset: { key: `${x}-${q.question}` } });
  const shown = s.shown_question === q.question;
  const dismiss = () => {
    dismissed = q.state === 'visible' ? { question: q.question } : null;
    act(live, { type: 'dismiss_question', question: q.question });
  };
  return el('div', { cls: 'actions' },
    q.state !== 'visible' && cmdButton(live, `✓ ${t('c.approve')}`, { type: 'approve_question', question: q.question }, k('approve')),
    q.state === 'visible' && cmdButton(live, shown ? `▣ ${t('c.screen_off')}` : `▣ ${t('c.screen_on')}`,
      { type: 'show_question', question: shown ? null : q.question }, { ...k('screen'), 'aria-pressed': shown ? 'true' : 'false' }),
    q.state === 'visible' && !q.answered && cmdButton(live, t('c.answered'), { type: 'mark_answered', question: q.question }, k('answered')),
    q.state !== 'dismissed' && el('button', { type: 'button', ...k('edit'), onclick: () => { editing = { question: q.question, text: q.text }; focusLater(`edit-${q.question}`); redraw(); } }, t('c.edit')),
    q.state !== 'dismissed' && mergeControl(s, live, q),
    q.state !== 'dismissed' && guarded(`dismiss-${q.question}`, t('c.dismiss'), t('c.dismiss_ask'), t('c.dismiss_yes'), dismiss, { cls: 'danger' }));
}

function renderQuestions(s, live) {
  const order = { pending: 0, visible: 1, dismissed: 2 };
  const qs = s.questions.filter((q) => q.state !== 'merged')
    .sort((a, b) => order[a.state] - order[b.state] || (a.answered - b.answered) || b.votes - a.votes || a.question - b.question);
  const undone = dismissed && s.questions.find((q) => q.question === dismissed.question && q.state === 'dismissed');
  fill('q-undo', presiding && undone && el('div', { cls: 'notice undo' }, t('c.dismissed_msg'), ' ',
    cmdButton(live, `↶ ${t('c.undo')}`, { type: 'approve_question', question: undone.question }, { key: 'undo-dismiss', id: 'btn-undo-dismiss', done: () => { dismissed = null; } })));
  fill('questions', qs.length ? qs.map((q) => el('li', { dataset: { question: q.question } },
    editing && editing.question === q.question && presiding ? editControls(live, q) : questionHead(s, q),
    presiding && !(editing && editing.question === q.question) && questionActions(s, live, q)))
    : el('li', { cls: 'muted' }, t('q.none')));
}

// ---- the agenda ---------------------------------------------------------------------

function renderAgenda(s, live) {
  const sp = speechOf(s);
  const running = itemOf(s);
  const endItem = () => act(live, { type: 'end_item' });
  fill('item-actions',
    s.status === 'scheduled' && cmdButton(live, [t('c.open_meeting'), el('kbd', { 'aria-hidden': 'true' }, 'O')], { type: 'open_meeting' }, { cls: 'primary', id: 'btn-open', 'aria-keyshortcuts': 'O' }),
    s.status === 'open' && running && (sp
      ? guarded('end-item', t('c.end_item'), t('c.end_item_ask', { name: sp.name }), t('c.end_item_yes'), endItem, { id: 'btn-end-item' })
      : cmdButton(live, t('c.end_item'), { type: 'end_item' }, { id: 'btn-end-item' })));
  const next = nextItem(s);
  fill('agenda', agendaItems(s, (i) => presiding && s.status === 'open' && s.current_item !== i.id &&
    el('div', { cls: 'actions' }, sp
      ? guarded(`start-${i.id}`, [`▶ ${t('c.start_item')}`, el('span', { cls: 'vh' }, ` — ${tr(i, 'title')}`), next && next.id === i.id ? el('kbd', { 'aria-hidden': 'true' }, 'S') : null],
        t('c.start_ask', { name: sp.name }), t('c.start_yes'), () => startItem(i.id))
      : cmdButton(live, [`▶ ${t('c.start_item')}`, el('span', { cls: 'vh' }, ` — ${tr(i, 'title')}`), next && next.id === i.id ? el('kbd', { 'aria-hidden': 'true' }, 'S') : null],
        { type: 'start_item', item: i.id }, { dataset: { key: `start-${i.id}` } }))));
  // Closing the meeting stands apart from the item's controls, and asks first.
  document.getElementById('meeting-end').hidden = !presiding || s.status !== 'open';
  fill('close-slot', s.status === 'open' && guarded('close-meeting', t('c.close_meeting'),
    sp ? t('c.close_ask_speaking', { name: sp.name }) : t('c.close_ask'), t('c.close_yes'),
    () => act(live, { type: 'close_meeting' }), { cls: 'danger', id: 'btn-close' }));
}

function renderNotes(s) {
  const gq = gqOf(s);
  fill('gq-now', gq ? [`${gq.id.toUpperCase()}: `, bidi(tr(gq, 'text'))] : t('c.gq_none'));
  options(document.getElementById('gq-select'), gqOptions(s, t('c.gq_clear')));
  options(document.getElementById('note-gq'), gqOptions(s, t('c.note_general')));
  fill('notes', s.notes.slice().reverse().map((n) => el('li', {},
    el('p', {}, bidi(n.text)),
    el('div', { cls: 'small muted' }, [(person(s, n.author) || { name: n.author }).name, n.guiding_question && n.guiding_question.toUpperCase()].filter(Boolean).join(' · ')))));
}

// Shares of turns and speaking time by mode, group, region and gender, and
// who of those present has not spoken yet.
function renderShares(s) {
  const m = s.totals.meeting;
  const table = (kind, data) => {
    const total = Object.values(data).reduce((a, v) => a + v.spoken_ms, 0);
    return el('table', {},
      el('caption', { cls: 'vh' }, t(`c.by_${kind}`)),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t(`c.by_${kind}`)), el('th', { scope: 'col', cls: 'num' }, t('c.turns')),
        el('th', { scope: 'col', cls: 'num' }, t('c.time')), el('th', { scope: 'col', cls: 'num' }, t('c.share')))),
      el('tbody', {}, Object.entries(data).map(([k, v]) => {
        const pct = total ? Math.round((100 * v.spoken_ms) / total) : 0;
        return el('tr', { dataset: { key: k } }, el('th', { scope: 'row' }, label(kind, k)), el('td', { cls: 'num' }, v.turns),
          el('td', { cls: 'num' }, dur(v.spoken_ms)), el('td', { cls: 'num' }, `${pct}%`));
      })));
  };
  const spoke = new Set(Object.keys(m.people || {}).filter((id) => m.people[id].turns > 0));
  const unheard = s.people.filter((p) => p.present && !spoke.has(p.id) && p.roles.some((r) => r === 'participant' || r === 'panelist'));
  fill('shares', table('mode', m.modes), table('group', m.groups), table('region', m.regions), table('gender', m.genders),
    el('h3', {}, t('c.unheard', { n: unheard.length })),
    el('p', { cls: 'small' }, unheard.map((p) => p.name).join(', ') || '—'));
}

// A key pressed outside a text field: the shortcut's action.
function onKey(e) {
  if (!current || e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = e.target && e.target.tagName;
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (e.target && e.target.isContentEditable)) return;
  if (e.key === '?') { e.preventDefault(); toggleKeys(); return; }
  const k = KEYS[e.key.toLowerCase()];
  if (!k || !presiding) return;
  e.preventDefault();
  k[1]();
}

const page = {
  title: 'c.title',
  init(live) {
    announcer = new ClockAnnouncer(document.getElementById('announce'), t);
    document.addEventListener('keydown', onKey);
    document.getElementById('give-form').addEventListener('submit', (e) => {
      e.preventDefault();
      if (!current) return;
      act(live, { type: 'give_floor', person: document.getElementById('give-who').value, speech: speechSeen(current.s) }, null, 'give');
    });
    document.getElementById('gq-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const v = document.getElementById('gq-select').value;
      act(live, { type: 'set_guiding_question', guiding_question: v || null });
    });
    document.getElementById('note-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = document.getElementById('note-text').value.trim();
      if (!text) return;
      const cmd = { type: 'add_note', text };
      const gq = document.getElementById('note-gq').value;
      if (gq) cmd.guiding_question = gq;
      act(live, cmd, () => { document.getElementById('note-text').value = ''; message(t('c.noted'), 'ok'); });
    });
  },
  render(s, live) {
    current = { s, live };
    roles(s, live);
    renderBar(s, live);
    renderKeys();
    renderFloor(s, live);
    renderList(s, live);
    renderQuestions(s, live);
    renderAgenda(s, live);
    renderNotes(s);
    renderShares(s);
  },
  tick(s, live) {
    const sp = speechOf(s);
    const p = drawClock(document.querySelector('#bar-clock .clock-box'), sp, live.now());
    announcer.update(sp, p && p.c);
  },
};

boot(page);

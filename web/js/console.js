// The chair's and moderator's console (and, read-mostly, the rapporteur's):
// the floor and its clock, the speakers' list with why each stands where
// they stand (reorder by keyboard or by dragging), the audience's questions
// with moderation, the agenda planned against actual, the guiding question,
// notes, and the participation shares so far.
import { boot, el, t, fill, act, label, dur, person, personLine, message } from './ui.js';
import { nowBlock, clockBox, drawClock, agendaItems, options, gqOptions, gqOf, speechOf, questionHead } from './views.js';
import { ClockAnnouncer } from './client.js';

let announcer = null;
let presiding = false;
let notesAllowed = false;

const btn = (content, cmd, live, extra) => el('button', { type: 'button', onclick: () => act(live, cmd), ...extra }, content);

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

function renderFloor(s, live) {
  const sp = speechOf(s);
  fill('now', nowBlock(s));
  const slot = document.getElementById('clock-slot');
  if (sp && !slot.firstChild) fill(slot, clockBox());
  if (!sp) fill(slot);
  const paused = sp && sp.paused_at_ms !== null;
  const open = s.status === 'open';
  fill('speech-actions',
    btn(`⏭ ${t('c.next')}`, { type: 'next_speaker' }, live, { cls: 'primary', id: 'btn-next', disabled: !open || !s.floor.list.length || null }),
    sp && (paused ? btn(`▶ ${t('c.resume')}`, { type: 'resume_speech' }, live, { id: 'btn-resume' })
      : btn(`⏸ ${t('c.pause')}`, { type: 'pause_speech' }, live, { id: 'btn-pause' })),
    sp && btn(`+1 ${t('c.min')}`, { type: 'extend_speech', added_ms: 60000 }, live, { id: 'btn-extend' }),
    sp && btn(`⏹ ${t('c.end')}`, { type: 'end_speech' }, live, { cls: 'danger', id: 'btn-end' }));
  const people = s.people.filter((p) => !p.roles.every((r) => r === 'secretariat' || r === 'rapporteur'));
  const planned = new Set(s.floor.planned.filter((x) => !x.heard).map((x) => x.person));
  options(document.getElementById('give-who'), people.map((p) => [p.id, `${planned.has(p.id) ? '★ ' : ''}${p.name}`]));
  document.getElementById('give-form').querySelector('button').disabled = !open;
}

function move(live, r, position) { return act(live, { type: 'move_request', request: r.request, position }); }

function renderList(s, live) {
  const f = s.floor;
  const info = [];
  if (f.policy) info.push(t('c.policy', { policy: label('policy', f.policy) }));
  info.push(f.list_closed ? `🔒 ${t('c.list_closed')}` : t('c.list_open'));
  if (f.closes_at_ms && !f.list_closed) info.push(t('c.closes_at', { time: new Date(f.closes_at_ms).toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }) }));
  document.getElementById('list-info').textContent = info.join(' · ');
  fill('list-actions',
    f.list_closed ? btn(t('c.reopen'), { type: 'reopen_list' }, live) : btn(t('c.close_list'), { type: 'close_list' }, live, { disabled: !f.item || null }),
    f.undo ? btn(`↶ ${t('c.undo')}`, { type: 'undo_list_change' }, live) : null);
  const n = f.list.length;
  fill('list', n ? f.list.map((r, i) => {
    // The same buttons stand beside every name: a hidden part says whose.
    const who = () => el('span', { cls: 'vh' }, ` — ${r.name}`);
    const li = el('li', { dataset: { request: r.request, person: r.person }, draggable: presiding ? 'true' : null },
      el('div', { cls: 'item-head' },
        el('strong', {}, `${i + 1}. ${r.name}`),
        el('span', { cls: 'badge' }, r.mode === 'online' ? `🖥 ${label('mode', 'online')}` : `🏛 ${label('mode', 'room')}`),
        el('span', { cls: 'badge' }, label('kind', r.kind)),
        r.pinned ? el('span', { cls: 'badge warn' }, t('c.pinned')) : null),
      el('div', { cls: 'small muted' }, [r.affiliation, label('group', r.group), r.to && t('q.to', { name: (person(s, r.to) || { name: r.to }).name })].filter(Boolean).join(' · ')),
      el('div', { cls: 'small', title: r.reason }, `${t('c.why')} ${label('reason', r.reason_code)} · ${t('c.wait', { time: dur(r.expected_wait_ms) })}`),
      presiding && el('div', { cls: 'actions' },
        btn([t('c.give_now'), who()], { type: 'give_floor', request: r.request }, live, { dataset: { key: `give-${r.request}` } }),
        el('button', { type: 'button', disabled: i === 0 || null, dataset: { key: `up-${r.request}` }, onclick: () => move(live, r, i - 1) }, `↑ ${t('c.up')}`, who()),
        el('button', { type: 'button', disabled: i === n - 1 || null, dataset: { key: `down-${r.request}` }, onclick: () => move(live, r, i + 1) }, `↓ ${t('c.down')}`, who()),
        btn([t('c.top'), who()], { type: 'move_to_top', request: r.request }, live, { disabled: i === 0 || null, dataset: { key: `top-${r.request}` } }),
        btn([t('c.decline'), who()], { type: 'decline', request: r.request }, live, { cls: 'danger', dataset: { key: `decline-${r.request}` } })));
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
  }) : el('li', { cls: 'muted' }, t('c.list_empty')));
}

function renderQuestions(s, live) {
  const order = { pending: 0, visible: 1, dismissed: 2 };
  const qs = s.questions.filter((q) => q.state !== 'merged')
    .sort((a, b) => order[a.state] - order[b.state] || (a.answered - b.answered) || b.votes - a.votes || a.question - b.question);
  fill('questions', qs.length ? qs.map((q) => el('li', { dataset: { question: q.question } }, questionHead(s, q),
    presiding && el('div', { cls: 'actions' },
      q.state !== 'visible' && btn(`✓ ${t('c.approve')}`, { type: 'approve_question', question: q.question }, live, { dataset: { key: `approve-${q.question}` } }),
      q.state !== 'dismissed' && btn(t('c.dismiss'), { type: 'dismiss_question', question: q.question }, live, { cls: 'danger', dataset: { key: `dismiss-${q.question}` } }),
      q.state === 'visible' && !q.answered && btn(t('c.answered'), { type: 'mark_answered', question: q.question }, live, { dataset: { key: `answered-${q.question}` } }))))
    : el('li', { cls: 'muted' }, t('q.none')));
}

function renderAgenda(s, live) {
  fill('meeting-actions',
    s.status === 'scheduled' && btn(t('c.open_meeting'), { type: 'open_meeting' }, live, { cls: 'primary', id: 'btn-open' }),
    s.status === 'open' && s.current_item && btn(t('c.end_item'), { type: 'end_item' }, live, { id: 'btn-end-item' }),
    s.status === 'open' && btn(t('c.close_meeting'), { type: 'close_meeting' }, live, { cls: 'danger', id: 'btn-close' }));
  fill('agenda', agendaItems(s, (i) => presiding && s.status === 'open' && s.current_item !== i.id &&
    el('div', { cls: 'actions' }, btn([`▶ ${t('c.start_item')}`, el('span', { cls: 'vh' }, ` — ${i.title}`)], { type: 'start_item', item: i.id }, live, { dataset: { key: `start-${i.id}` } }))));
}

function renderNotes(s) {
  const gq = gqOf(s);
  document.getElementById('gq-now').textContent = gq ? `${gq.id.toUpperCase()}: ${gq.text}` : t('c.gq_none');
  options(document.getElementById('gq-select'), gqOptions(s, t('c.gq_clear')));
  options(document.getElementById('note-gq'), gqOptions(s, t('c.note_general')));
  fill('notes', s.notes.slice().reverse().map((n) => el('li', {},
    el('p', {}, n.text),
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

const page = {
  title: location.pathname.endsWith('/rapporteur') ? 'r.title' : 'c.title',
  init(live) {
    announcer = new ClockAnnouncer(document.getElementById('announce'), t);
    document.getElementById('give-form').addEventListener('submit', (e) => {
      e.preventDefault();
      act(live, { type: 'give_floor', person: document.getElementById('give-who').value });
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
    roles(s, live);
    renderFloor(s, live);
    renderList(s, live);
    renderQuestions(s, live);
    renderAgenda(s, live);
    renderNotes(s);
    renderShares(s);
  },
  tick(s, live) {
    const sp = speechOf(s);
    const p = drawClock(document.querySelector('#clock-slot .clock-box'), sp, live.now());
    announcer.update(sp, p && p.c);
  },
};

boot(page);

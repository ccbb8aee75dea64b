// The participant's page, phone first: one status line at the top that says
// where the person stands (redrawn from the state every time, never left
// over from a past message), attendance, the floor (request, withdraw, own
// place and expected wait), questions (ask, upvote), the documents and the
// agenda with times in the meeting's zone and the viewer's.
//
// What the person sent and the server has not confirmed is shown as such
// (client.js keeps it until it is sent); a question asked anonymously is
// remembered on this device only, since the server keeps its author nowhere.
import {
  boot, el, t, tn, fill, act, label, dur, person, personLine, message, bidi, cmdButton, guarded, sending,
  languageName,
} from './ui.js';
import { nowBlock, clockBox, drawClock, agendaItems, documentItems, visibleQuestions, questionHead, options, gqOptions, speechOf, clockParts } from './views.js';
import { ClockAnnouncer } from './client.js';
import { initInscribe, renderInscribe, tickInscribe } from './inscription.js';
import { StatementsCard } from './statements.js';

let announcer = null;
let statements = null;
const KINDS = ['intervention', 'question', 'point_of_order', 'reply'];

// ---- questions asked anonymously, remembered here -------------------------------

const anonKey = (live) => `gavel.anon.${live.meeting}.${live.me}`;

function anonAsked(live) {
  try { return JSON.parse(localStorage.getItem(anonKey(live)) || '[]'); } catch (e) { return []; }
}

function rememberAnon(live, question, text) {
  const list = anonAsked(live).filter((x) => x.question !== question);
  list.push({ question, text });
  try { localStorage.setItem(anonKey(live), JSON.stringify(list.slice(-50))); } catch (e) { /* not kept */ }
}

// ---- the status line ----------------------------------------------------------------

const ord = (n) => t('p.ordinal', { n });

// Where the person stands, from the state alone: [kind, text nodes].
function standing(s, live) {
  const me = person(s, live.me);
  if (!me) return ['info', [live.link === 'role' ? t('p.choose') : t('p.viewer')]];
  const unsent = live.pendingCommands().find((c) => c.cmd.type === 'request_floor' && c.state === 'unsent');
  if (unsent) return ['warn', [t('st.unsent')]];
  if (sending('request_floor')) return ['info', [t('st.sending')]];
  const sp = speechOf(s);
  if (sp && sp.person === live.me) {
    const p = clockParts(sp, live.now());
    return ['ok', [t('st.floor'), ' ', el('span', { id: 'status-clock', cls: 'clock-inline' }, p ? p.text : '')]];
  }
  const mine = s.floor_requests.filter((r) => r.person === live.me && r.item === s.current_item);
  const last = mine[mine.length - 1];
  if (last && last.status === 'waiting') {
    const at = s.floor.list.find((x) => x.request === last.request);
    if (at) {
      return ['info', [t('st.waiting', { n: ord(at.position + 1), of: s.floor.list.length }), ' · ',
        t('st.why', { why: label('reason', at.reason_code) }), ' · ', t('p.wait', { time: dur(at.expected_wait_ms) })]];
    }
  }
  if (last && last.status === 'declined') {
    return ['error', last.decline_reason ? tn('st.declined_why', { reason: last.decline_reason }) : [t('st.declined')]];
  }
  if (last && last.status === 'granted') return ['info', [t('st.spoke')]];
  const lapsed = s.floor_requests.filter((r) => r.person === live.me && r.status === 'lapsed').pop();
  if (lapsed && !last) return ['info', [t('st.lapsed')]];
  if (s.status === 'closed') return ['info', [t('m.closed')]];
  if (!me.present) return ['warn', [t('st.not_present')]];
  if (s.status !== 'open') return ['info', [t('p.why_not_open')]];
  if (!s.floor.item) return ['info', [t('p.why_no_item')]];
  return ['info', [t('st.not_on_list')]];
}

function renderStatus(s, live) {
  const [kind, text] = standing(s, live);
  const e = document.getElementById('status-line');
  e.dataset.kind = kind;
  fill(e, text);
}

// Commands not sent yet, each with the way to give it up.
function renderUnsent(live) {
  const list = live.pendingCommands().filter((c) => c.state === 'unsent');
  fill('unsent', list.length > 0 && el('div', { cls: 'notice', id: 'unsent-box' },
    el('p', {}, t('st.unsent_list')),
    el('ul', { cls: 'plain' }, list.map((c) => el('li', { dataset: { cid: c.cid } },
      t(`cmd.${c.cmd.type}`) === `cmd.${c.cmd.type}` ? c.cmd.type : t(`cmd.${c.cmd.type}`), ' ',
      el('button', { type: 'button', dataset: { key: `giveup-${c.cid}` }, onclick: () => live.giveUp(c.cid) }, t('st.give_up')))))));
}

// ---- the page -------------------------------------------------------------------------

// Only the people the link may act as: a participant link offers participants.
function chooser(s, live) {
  const holders = s.people.filter((p) => p.roles.includes(live.subject));
  return [
    el('p', {}, t('p.choose')),
    el('ul', { cls: 'plain' }, holders.map((p) => el('li', {},
      el('a', { href: `?as=${encodeURIComponent(p.id)}` }, bidi(p.name)), ' ', el('span', { cls: 'muted small' }, bidi(p.affiliation || ''))))),
  ];
}

function renderWho(s, live) {
  const me = person(s, live.me);
  if (!me) {
    fill('who', live.link === 'role' ? chooser(s, live) : el('p', {}, t('p.viewer')));
    fill('attend');
    return;
  }
  fill('who', el('p', { id: 'me', dataset: { person: me.id } }, el('strong', {}, bidi(me.name)), ' ', el('span', { cls: 'muted small' }, bidi(personLine(me)))));
  if (s.status === 'closed') return fill('attend');
  const waiting = s.floor_requests.some((r) => r.person === live.me && r.status === 'waiting');
  if (me.present) {
    fill('attend', el('span', { cls: 'badge now' }, `✓ ${t('p.present', { mode: label('mode', me.mode) })}`),
      guarded('leave', t('p.leave'), waiting ? t('p.leave_ask_waiting') : t('p.leave_ask'), t('p.leave_yes'),
        () => act(live, { type: 'leave' }), { id: 'btn-leave' }));
  } else {
    fill('attend',
      cmdButton(live, t('p.check_in'), { type: 'check_in' }, { cls: me.mode === 'room' ? 'primary' : null, id: 'btn-check-in' }),
      cmdButton(live, t('p.join'), { type: 'join' }, { cls: me.mode === 'online' ? 'primary' : null, id: 'btn-join' }));
  }
}

function renderFloor(s, live) {
  // Inscriptions for items not running are the inscription card's (inscription.js).
  const mine = s.floor_requests.filter((r) => r.person === live.me && r.status === 'waiting' && r.item === s.floor.item);
  const list = s.floor.list;
  fill('mine', mine.map((r) => {
    const at = list.find((x) => x.request === r.request);
    return el('div', { cls: 'mine', dataset: { request: r.request } },
      at ? el('p', { cls: 'place', id: 'my-place' }, t('p.place', { n: at.position + 1, of: list.length })) : el('p', {}, t('p.waiting')),
      el('p', { cls: 'small muted' }, label('kind', r.kind)),
      cmdButton(live, t('p.withdraw'), { type: 'withdraw', request: r.request }, { cls: 'danger', dataset: { key: `withdraw-${r.request}` } }));
  }));
  const form = document.getElementById('req-form');
  const busy = sending('request_floor') || live.pendingCommands().some((c) => c.cmd.type === 'request_floor');
  let why = '';
  if (!live.me) why = t('p.why_viewer');
  else if (s.status !== 'open') why = t('p.why_not_open');
  else if (!s.floor.item) why = t('p.why_no_item');
  else if (s.floor.list_closed) why = t('p.why_closed');
  else if (mine.length) why = t('p.why_waiting');
  const go = document.getElementById('req-go');
  go.disabled = !!why || busy;
  go.setAttribute('aria-busy', busy ? 'true' : 'false');
  go.textContent = busy ? t('st.sending_short') : t('p.request');
  document.getElementById('req-why').textContent = why;
  form.hidden = !live.me || mine.length > 0;
  options(document.getElementById('req-kind'), KINDS.map((k) => [k, label('kind', k)]));
  options(document.getElementById('req-gq'), gqOptions(s, t('p.gq_none')));
  const panelists = s.people.filter((p) => p.roles.includes('panelist'));
  options(document.getElementById('req-to'), [['', t('p.to_panel')], ...panelists.map((p) => [p.id, p.name])]);
  document.getElementById('req-to-field').hidden = document.getElementById('req-kind').value !== 'question';
  // The language for the interpreters: the person's usual one first (the
  // definition's speaks), then the others they speak and the meeting's.
  const me = person(s, live.me);
  const speaks = (me && me.speaks) || [];
  const langs = [...new Set([...speaks, ...s.meeting.languages])];
  options(document.getElementById('req-lang'), [...(speaks.length ? [] : [['', t('p.speak_unsaid')]]), ...langs.map((l) => [l, languageName(l)])]);
}

function voteButton(s, live, q) {
  const voted = live.myVotes.has(q.question);
  if (q.answered) return null;
  return cmdButton(live, voted ? `▲ ${t('p.voted')}` : `△ ${t('p.upvote')}`, { type: voted ? 'unvote' : 'upvote', question: q.question },
    { key: `vote-${q.question}`, 'aria-pressed': voted ? 'true' : 'false', dataset: { key: `vote-${q.question}` } });
}

function renderQuestions(s, live) {
  document.getElementById('ask-form').hidden = !live.me || s.status === 'closed';
  document.getElementById('anon-row').hidden = !(s.meeting.questions && s.meeting.questions.anonymous);
  // The person's own questions that the others do not see: awaiting approval, or not taken up.
  const own = s.questions.filter((q) => q.author === live.me && live.me && (q.state === 'pending' || q.state === 'dismissed'));
  const shownIds = new Set(s.questions.map((q) => q.question));
  const anon = live.me ? anonAsked(live).filter((x) => !shownIds.has(x.question)) : [];
  const mineAnon = new Set(live.me ? anonAsked(live).map((x) => x.question) : []);
  const items = [
    ...own.map((q) => el('li', { dataset: { question: q.question } }, questionHead(s, q),
      el('p', { cls: 'small' }, t(q.state === 'pending' ? 'p.awaiting' : 'p.not_taken')))),
    ...anon.map((x) => el('li', { dataset: { question: x.question, anonymous: '1' } },
      el('p', { cls: 'q-text' }, bidi(x.text)),
      el('p', { cls: 'small' }, s.meeting.questions && s.meeting.questions.moderated ? t('p.anon_waiting') : t('p.anon_yours')))),
    ...visibleQuestions(s).map((q) => el('li', { dataset: { question: q.question } }, questionHead(s, q),
      mineAnon.has(q.question) ? el('p', { cls: 'small' }, `✓ ${t('p.anon_yours')}`) : null,
      live.me && el('div', { cls: 'actions' }, voteButton(s, live, q)))),
  ];
  fill('questions', items.length ? items : el('li', { cls: 'muted' }, t('q.none')));
}

const page = {
  title: 'p.title',
  init(live) {
    announcer = new ClockAnnouncer(document.getElementById('announce'), t);
    initInscribe(live);
    statements = new StatementsCard(live, false);
    document.getElementById('req-kind').addEventListener('change', () => {
      document.getElementById('req-to-field').hidden = document.getElementById('req-kind').value !== 'question';
    });
    document.getElementById('req-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const cmd = { type: 'request_floor', kind: document.getElementById('req-kind').value };
      const gq = document.getElementById('req-gq').value;
      const to = document.getElementById('req-to').value;
      if (gq) cmd.guiding_question = gq;
      if (to && cmd.kind === 'question') cmd.to = to;
      const lang = document.getElementById('req-lang').value;
      if (lang) cmd.language = lang;
      act(live, cmd, null, 'request_floor');
    });
    document.getElementById('ask-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = document.getElementById('ask-text').value.trim();
      if (!text) return;
      const cmd = { type: 'ask_question', text };
      const anonymous = document.getElementById('ask-anon').checked && !document.getElementById('anon-row').hidden;
      if (anonymous) cmd.anonymous = true;
      act(live, cmd, (ack) => {
        if (anonymous && ack && ack.first_seq) rememberAnon(live, ack.first_seq, text);
        document.getElementById('ask-text').value = '';
        message(t('p.asked'), 'ok');
      }, 'ask');
    });
  },
  render(s, live) {
    renderStatus(s, live);
    renderUnsent(live);
    renderWho(s, live);
    const box = clockBox();
    fill('now', nowBlock(s), speechOf(s) ? box : null);
    renderFloor(s, live);
    renderInscribe(s, live);
    statements.render(s);
    renderQuestions(s, live);
    fill('docs', documentItems(s));
    fill('agenda', agendaItems(s));
  },
  outbox(live) {
    const s = live.shown();
    if (s) { renderStatus(s, live); renderUnsent(live); renderFloor(s, live); }
  },
  tick(s, live) {
    const sp = speechOf(s);
    const p = drawClock(document.querySelector('#now .clock-box'), sp, live.now());
    announcer.update(sp, p && p.c);
    tickInscribe(s, live);
    const sc = document.getElementById('status-clock');
    if (sc && p && sc.textContent !== p.text) sc.textContent = p.text;
  },
};

boot(page);

// The participant's page, phone first: attendance, the floor (request,
// withdraw, own place and expected wait), questions (ask, upvote), the
// documents and the agenda with times in the meeting's zone and the viewer's.
import { boot, el, t, fill, act, label, dur, person, personLine, message } from './ui.js';
import { nowBlock, clockBox, drawClock, agendaItems, documentItems, visibleQuestions, questionHead, options, gqOptions, speechOf } from './views.js';
import { ClockAnnouncer } from './client.js';
import { initInscribe, renderInscribe, tickInscribe } from './inscription.js';

let announcer = null;
const KINDS = ['intervention', 'question', 'point_of_order', 'reply'];

function chooser(s) {
  const holders = s.people.filter((p) => p.roles.includes('participant') || p.roles.includes('panelist'));
  return [
    el('p', {}, t('p.choose')),
    el('ul', { cls: 'plain' }, holders.map((p) => el('li', {},
      el('a', { href: `?as=${encodeURIComponent(p.id)}` }, p.name), ' ', el('span', { cls: 'muted small' }, p.affiliation)))),
  ];
}

function renderWho(s, live) {
  const me = person(s, live.me);
  if (!me) {
    fill('who', live.link === 'role' ? chooser(s) : el('p', {}, t('p.viewer')));
    fill('attend');
    return;
  }
  fill('who', el('p', { id: 'me', dataset: { person: me.id } }, el('strong', {}, me.name), el('br'), el('span', { cls: 'muted small' }, personLine(me))));
  if (s.status === 'closed') return fill('attend');
  if (me.present) {
    fill('attend', el('span', { cls: 'badge now' }, `✓ ${t('p.present', { mode: label('mode', me.mode) })}`),
      el('button', { type: 'button', onclick: () => act(live, { type: 'leave' }) }, t('p.leave')));
  } else {
    fill('attend',
      el('button', { type: 'button', cls: me.mode === 'room' ? 'primary' : null, onclick: () => act(live, { type: 'check_in' }) }, t('p.check_in')),
      el('button', { type: 'button', cls: me.mode === 'online' ? 'primary' : null, onclick: () => act(live, { type: 'join' }) }, t('p.join')));
  }
}

function renderFloor(s, live) {
  // Inscriptions for items not running are the inscription card's (inscription.js).
  const mine = s.floor_requests.filter((r) => r.person === live.me && r.status === 'waiting' && r.item === s.floor.item);
  const list = s.floor.list;
  fill('mine', mine.map((r) => {
    const at = list.find((x) => x.request === r.request);
    return el('div', { cls: 'card', dataset: { request: r.request } },
      at ? el('p', { cls: 'place', id: 'my-place' }, t('p.place', { n: at.position + 1, of: list.length })) : el('p', {}, t('p.waiting')),
      at && el('p', {}, t('p.wait', { time: dur(at.expected_wait_ms) })),
      el('p', { cls: 'small muted' }, label('kind', r.kind)),
      el('button', { type: 'button', cls: 'danger', dataset: { key: `withdraw-${r.request}` }, onclick: () => act(live, { type: 'withdraw', request: r.request }) }, t('p.withdraw')));
  }));
  const form = document.getElementById('req-form');
  let why = '';
  if (!live.me) why = t('p.why_viewer');
  else if (s.status !== 'open') why = t('p.why_not_open');
  else if (!s.floor.item) why = t('p.why_no_item');
  else if (s.floor.list_closed) why = t('p.why_closed');
  else if (mine.length) why = t('p.why_waiting');
  document.getElementById('req-go').disabled = !!why;
  document.getElementById('req-why').textContent = why;
  form.hidden = !live.me;
  options(document.getElementById('req-kind'), KINDS.map((k) => [k, label('kind', k)]));
  options(document.getElementById('req-gq'), gqOptions(s, t('p.gq_none')));
  const panelists = s.people.filter((p) => p.roles.includes('panelist'));
  options(document.getElementById('req-to'), [['', t('p.to_panel')], ...panelists.map((p) => [p.id, p.name])]);
  document.getElementById('req-to-field').hidden = document.getElementById('req-kind').value !== 'question';
}

function renderQuestions(s, live) {
  document.getElementById('ask-form').hidden = !live.me || s.status === 'closed';
  document.getElementById('anon-row').hidden = !(s.meeting.questions && s.meeting.questions.anonymous);
  // The person's own questions that the others do not see: awaiting approval, or not taken up.
  const own = s.questions.filter((q) => q.author === live.me && live.me && (q.state === 'pending' || q.state === 'dismissed'));
  fill('questions',
    own.map((q) => el('li', { dataset: { question: q.question } }, questionHead(s, q),
      el('p', { cls: 'small' }, t(q.state === 'pending' ? 'p.awaiting' : 'p.not_taken')))),
    visibleQuestions(s).map((q) => {
      const voted = live.myVotes.has(q.question);
      return el('li', { dataset: { question: q.question } }, questionHead(s, q),
        live.me && el('div', { cls: 'actions' }, el('button', {
          type: 'button', 'aria-pressed': voted ? 'true' : 'false', dataset: { key: `vote-${q.question}` },
          onclick: () => act(live, { type: voted ? 'unvote' : 'upvote', question: q.question }),
        }, voted ? `▲ ${t('p.voted')}` : `△ ${t('p.upvote')}`)));
    }));
  if (!s.questions.some((q) => q.state === 'visible') && !own.length) fill('questions', el('li', { cls: 'muted' }, t('q.none')));
}

const page = {
  title: 'p.title',
  init(live) {
    announcer = new ClockAnnouncer(document.getElementById('announce'), t);
    initInscribe(live);
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
      act(live, cmd, () => message(t('p.requested'), 'ok'));
    });
    document.getElementById('ask-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = document.getElementById('ask-text').value.trim();
      if (!text) return;
      const cmd = { type: 'ask_question', text };
      if (document.getElementById('ask-anon').checked) cmd.anonymous = true;
      act(live, cmd, () => { document.getElementById('ask-text').value = ''; message(t('p.asked'), 'ok'); });
    });
  },
  render(s, live) {
    renderWho(s, live);
    const box = clockBox();
    fill('now', nowBlock(s), speechOf(s) ? box : null);
    renderFloor(s, live);
    renderInscribe(s, live);
    renderQuestions(s, live);
    fill('docs', documentItems(s));
    fill('agenda', agendaItems(s));
  },
  tick(s, live) {
    const sp = speechOf(s);
    const p = drawClock(document.querySelector('#now .clock-box'), sp, live.now());
    announcer.update(sp, p && p.c);
    tickInscribe(s, live);
  },
};

boot(page);

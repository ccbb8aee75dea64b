// The panelist's page: their own clock, large, with the warning and the
// limit, a cue when time is short, and the questions addressed to them (from
// the audience and from speakers on the list).
import { boot, el, t, tn, fill, act, dur, person, label, bidi, tr, sending } from './ui.js';
import { drawClock, speechOf, gqOf, questionHead } from './views.js';
import { ClockAnnouncer } from './client.js';
import { StatementsCard } from './statements.js';

let announcer = null;
let statements = null;

const page = {
  title: 'pn.title',
  init(live) {
    announcer = new ClockAnnouncer(document.getElementById('announce'), t);
    statements = new StatementsCard(live, false);
    document.getElementById('pn-request').addEventListener('click', () => act(live, { type: 'request_floor' }, null, 'request_floor'));
  },
  render(s, live) {
    const me = person(s, live.me);
    fill('me', me ? [bidi(me.name), ' · ', bidi(me.affiliation || '')] : t('p.viewer'));
    const sp = speechOf(s);
    const other = sp && sp.person !== live.me ? sp : null;
    fill('speaking-now', other && el('p', {}, tn('pn.now_speaking', { name: other.name })));
    const gq = gqOf(s);
    fill('gq-now', gq ? bidi(tr(gq, 'text')) : t('c.gq_none'));
    const waiting = s.floor_requests.some((r) => r.person === live.me && r.status === 'waiting' && r.item === s.floor.item);
    const b = document.getElementById('pn-request');
    b.hidden = !me;
    const busy = sending('request_floor');
    b.disabled = busy || waiting || s.status !== 'open' || !s.floor.item || s.floor.list_closed;
    b.setAttribute('aria-busy', busy ? 'true' : 'false');
    b.textContent = busy ? t('st.sending_short') : waiting ? t('pn.on_list') : t('pn.request');
    const fromList = s.floor.list.filter((r) => r.to === live.me);
    const fromAudience = s.questions.filter((q) => q.to === live.me && q.state === 'visible' && !q.answered)
      .sort((a, c) => c.votes - a.votes || a.question - c.question);
    fill('to-you',
      fromList.map((r) => el('li', { dataset: { request: r.request } }, el('strong', {}, bidi(r.name)), ' ',
        el('span', { cls: 'muted small' }, bidi(r.affiliation), ` · ${label('kind', r.kind)} · `,
          el('span', { cls: 'asker-place' }, t('pn.asker_place', { n: r.position + 1, of: s.floor.list.length }))))),
      fromAudience.map((q) => el('li', { dataset: { question: q.question } }, questionHead(s, q))));
    if (!fromList.length && !fromAudience.length) fill('to-you', el('li', { cls: 'muted' }, t('q.none')));
    statements.render(s);
  },
  tick(s, live) {
    const sp = speechOf(s);
    const mine = sp && sp.person === live.me ? sp : null;
    const p = drawClock(document.getElementById('my-clock'), mine, live.now());
    const planned = s.floor.planned.find((x) => !x.heard);
    let cue = '';
    if (p) cue = p.c.phase === 'over' ? `⚠ ${t('pn.cue_over')}` : p.c.phase === 'warning' ? `⚑ ${t('pn.cue_left', { left: Math.ceil(p.c.remaining / 60000) })}` : t('pn.cue_you');
    else if (planned && planned.person === live.me) cue = t('pn.cue_next');
    const cueEl = document.getElementById('cue');
    if (cueEl.textContent !== cue) cueEl.textContent = cue;
    // The clock counts down: the warning is said as the time left when it comes.
    const w = p ? t('pn.warn_line', { left: dur(p.c.limit - p.c.warning), limit: dur(p.c.limit) }) : '';
    const wl = document.getElementById('warn-line');
    if (wl.textContent !== w) wl.textContent = w;
    announcer.update(mine, p && p.c);
  },
};

boot(page);

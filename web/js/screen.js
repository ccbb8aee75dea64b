// The room screen: a big clock, who has the floor (name, function,
// affiliation), the next speakers, the guiding question and the question the
// moderator puts on screen, readable from the back of a hall. Before the
// meeting opens it says when it starts. Read-only: a viewer link is enough.
//
// No page furniture: the language comes from the address (?lang=), and the
// connection is shown only when it is not live. Everything is sized in
// viewport units times --fit, which fit() lowers until the whole screen
// holds in the window: a long Arabic title or a long guiding question in
// any language shrinks the text rather than falling off the screen.
import { boot, el, t, fill, setText, person, personLine, label, bidi, tr } from './ui.js';
import { drawClock, speechOf, itemOf, gqOf, startsLine } from './views.js';
import { ClockAnnouncer } from './client.js';

let announcer = null;
let fitted = '';

// Lowers --fit until the page holds in the window (from 1, by steps, to 0.5).
function fit() {
  const root = document.documentElement;
  let f = 1;
  root.style.setProperty('--fit', '1');
  while (root.scrollHeight > innerHeight + 1 && f > 0.5) {
    f = Math.round((f - 0.05) * 100) / 100;
    root.style.setProperty('--fit', String(f));
  }
  document.body.dataset.fit = String(f);
}

function nextSpeakers(s) {
  const sp = speechOf(s);
  const next = s.floor.list.slice(0, 3).map((r) => ({ key: { request: r.request }, name: r.name, aff: r.affiliation, mode: r.mode }));
  const planned = s.floor.planned.filter((x) => !x.heard && (!sp || x.person !== sp.person)).map((x) => {
    const q = person(s, x.person);
    return { key: { person: x.person }, name: q ? q.name : x.person, aff: q ? q.affiliation : '', mode: null };
  });
  // In the order next_speaker will call them: floor.next first.
  const all = s.floor.next && !s.floor.next.request ? [...planned, ...next] : [...next, ...planned];
  return all.slice(0, 3);
}

const page = {
  title: 's.title',
  init() { announcer = new ClockAnnouncer(document.getElementById('announce'), t); },
  render(s) {
    const item = itemOf(s);
    fill('item-title', item ? bidi(tr(item, 'title')) : s.status === 'closed' ? t('m.closed') : startsLine(s));
    const sp = speechOf(s);
    const p = sp ? person(s, sp.person) : null;
    fill('who', sp ? bidi(sp.name) : '');
    fill('who-sub', sp ? bidi(personLine(p)) : '');
    const next = nextSpeakers(s);
    fill('next', next.map((x) => el('li', { dataset: x.key }, bidi(x.name), x.aff ? [' — ', bidi(x.aff)] : null, x.mode ? ` (${label('mode', x.mode)})` : null)));
    document.getElementById('next').parentElement.hidden = !next.length;
    const gq = gqOf(s);
    document.getElementById('gq').hidden = !gq;
    fill('gq-text', gq ? bidi(tr(gq, 'text')) : '');
    const q = s.shown_question ? s.questions.find((x) => x.question === s.shown_question) : null;
    document.getElementById('shown-q').hidden = !q;
    fill('shown-q-text', q ? bidi(q.text) : '');
    const who = q && (q.anonymous || !q.author ? t('q.anonymous') : (person(s, q.author) || { name: q.author }).name);
    fill('shown-q-who', q ? bidi(who) : '');
    const shape = JSON.stringify([document.documentElement.lang, s.seq, innerWidth, innerHeight]);
    if (shape !== fitted) { fitted = shape; fit(); }
  },
  tick(s, live) {
    const sp = speechOf(s);
    const p = drawClock(document.getElementById('big-clock'), sp, live.now());
    announcer.update(sp, p && p.c);
    // The clock appears, a font arrives: whatever grew, it still holds.
    if (document.documentElement.scrollHeight > innerHeight + 1) fit();
  },
};

addEventListener('resize', () => { fitted = ''; fit(); });
boot(page);

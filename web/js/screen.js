// The room screen: a big clock, who has the floor (name, function,
// affiliation), the next speakers and the guiding question, readable from
// the back of a hall. Read-only: a viewer link is enough.
import { boot, el, t, fill, setText, person, personLine, label } from './ui.js';
import { drawClock, speechOf, itemOf, gqOf } from './views.js';
import { ClockAnnouncer } from './client.js';

let announcer = null;

const page = {
  title: 's.title',
  init() { announcer = new ClockAnnouncer(document.getElementById('announce'), t); },
  render(s) {
    const item = itemOf(s);
    setText('item-title', item ? item.title : s.status === 'closed' ? t('m.closed') : t('m.scheduled'));
    const sp = speechOf(s);
    const p = sp ? person(s, sp.person) : null;
    setText('who', sp ? sp.name : '');
    setText('who-sub', sp ? personLine(p) : '');
    const next = s.floor.list.slice(0, 3);
    const planned = s.floor.planned.filter((x) => !x.heard && (!sp || x.person !== sp.person)).slice(0, 3);
    fill('next', next.length ? next.map((r) => el('li', { dataset: { request: r.request } }, el('bdi', {}, r.name), ' — ', el('bdi', {}, r.affiliation), ` (${label('mode', r.mode)})`))
      : planned.map((x) => {
        const q = person(s, x.person);
        return el('li', { dataset: { person: x.person } }, el('bdi', {}, q ? q.name : x.person), q ? ' — ' : '', q ? el('bdi', {}, q.affiliation) : '');
      }));
    document.getElementById('next').parentElement.hidden = !next.length && !planned.length;
    const gq = gqOf(s);
    document.getElementById('gq').hidden = !gq;
    setText('gq-text', gq ? gq.text : '');
  },
  tick(s, live) {
    const sp = speechOf(s);
    const p = drawClock(document.getElementById('big-clock'), sp, live.now());
    announcer.update(sp, p && p.c);
  },
};

boot(page);

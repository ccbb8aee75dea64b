// The livestream overlay, for a broadcasting tool's browser source: a
// transparent page with a lower third (the speaker's name, function and
// affiliation), the speaking clock, and the question the moderator puts on
// screen; before the meeting opens, the lower third gives its title and
// when it opens, so a stream that starts early says what it is waiting for.
// Nothing else: the language comes from the address (?lang=), and the
// connection shows only when it is not live.
import { boot, fill, person, personLine, bidi, t, tr } from './ui.js';
import { drawClock, speechOf, startsLine } from './views.js';

const page = {
  title: 'o.title',
  render(s) {
    const sp = speechOf(s);
    const waiting = !sp && s.status === 'scheduled';
    document.getElementById('lower-third').hidden = !sp && !waiting;
    document.getElementById('lower-third').dataset.kind = waiting ? 'starts' : 'speaker';
    fill('lt-name', sp ? bidi(sp.name) : waiting ? bidi(tr(s.meeting, 'title')) : '');
    fill('lt-sub', sp ? bidi(personLine(person(s, sp.person))) : waiting ? startsLine(s) : '');
    const q = s.shown_question ? s.questions.find((x) => x.question === s.shown_question) : null;
    document.getElementById('ov-question').hidden = !q;
    fill('ov-q-text', q ? bidi(q.text) : '');
    const who = q && (q.anonymous || !q.author ? t('q.anonymous') : (person(s, q.author) || { name: q.author }).name);
    fill('ov-q-who', q ? bidi(who) : '');
  },
  tick(s, live) {
    drawClock(document.getElementById('ov-clock'), speechOf(s), live.now());
  },
};

boot(page);

// The livestream overlay, for a broadcasting tool's browser source: a
// transparent page with a lower third (the speaker's name, function and
// affiliation) and the speaking clock. ?clean=1 hides the small toolbar
// (connection and language) that the operator uses to set it up.
import { boot, setText, person, personLine } from './ui.js';
import { drawClock, speechOf } from './views.js';

const page = {
  title: 'o.title',
  init() {
    if (new URLSearchParams(location.search).get('clean') === '1') document.body.dataset.clean = '1';
  },
  render(s) {
    const sp = speechOf(s);
    document.getElementById('lower-third').hidden = !sp;
    setText('lt-name', sp ? sp.name : '');
    setText('lt-sub', sp ? personLine(person(s, sp.person)) : '');
  },
  tick(s, live) {
    drawClock(document.getElementById('ov-clock'), speechOf(s), live.now());
  },
};

boot(page);

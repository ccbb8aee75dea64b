// The rapporteur's page: the note form at the top (on the guiding question
// under discussion and about the speech under way, unless the rapporteur
// chooses otherwise), the floor as it stands, the notes (edit, withdraw),
// and the Chair's summary drafted from them.
import { boot, fill, person, label } from './ui.js';
import { nowBlock, clockBox, drawClock, speechOf } from './views.js';
import { NoteForm, renderNotes } from './notes.js';
import { SummaryEditor } from './summary.js';

let form = null;
let summary = null;

const page = {
  title: 'r.title',
  init(live) {
    form = new NoteForm(live);
    summary = new SummaryEditor(live);
  },
  render(s, live) {
    const me = person(s, live.me);
    document.getElementById('role').textContent = me ? `${me.name} · ${me.roles.map((r) => label('role', r)).join(', ')}` : '';
    fill('now', nowBlock(s));
    const slot = document.getElementById('clock-slot');
    if (speechOf(s) && !slot.firstChild) fill(slot, clockBox());
    if (!speechOf(s)) fill(slot);
    form.render(s);
    renderNotes(s, live, form);
    summary.render(s);
  },
  tick(s, live) {
    drawClock(document.querySelector('#clock-slot .clock-box'), speechOf(s), live.now());
  },
};

boot(page);

// The rapporteur's notes: the form that takes one (on the guiding question
// under discussion and about the speech under way, as long as the
// rapporteur has not chosen otherwise), and the list, where the author (or
// the chair, a moderator) edits or withdraws a note. Every version is an
// event of the log (amend_note carries the whole version).
//
// render() runs on every event: it never touches what the rapporteur is
// typing, and keeps a choice they made in the selects.
import { el, t, fill, act, person, message } from './ui.js';
import { options, gqOptions, speechOf } from './views.js';

// "#12 Name" of a speech of the state.
function speechText(s, sp) {
  const n = s.speeches.indexOf(sp) + 1;
  return `#${n} ${sp.name}`;
}

// The speech a new note is about by default: the one under way, else the
// last one of the running item.
function defaultSpeech(s) {
  const now = speechOf(s);
  if (now) return now.speech;
  const last = s.speeches.filter((x) => x.item === s.current_item).pop();
  return last ? last.speech : null;
}

export class NoteForm {
  constructor(live) {
    this.live = live;
    this.editing = null; // the note being edited, or null for a new one
    this.chosen = false; // the rapporteur chose the question or the speech
    this.form = document.getElementById('note-form');
    this.text = document.getElementById('note-text');
    this.gq = document.getElementById('note-gq');
    this.speech = document.getElementById('note-speech');
    this.save = document.getElementById('note-save');
    this.cancel = document.getElementById('note-cancel');
    for (const sel of [this.gq, this.speech]) sel.addEventListener('change', () => { this.chosen = true; });
    this.cancel.addEventListener('click', () => this.reset());
    this.form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
  }

  render(s) {
    this.state = s;
    options(this.gq, gqOptions(s, t('c.note_general')));
    const recent = s.speeches.slice(-40).reverse();
    options(this.speech, [['', t('rp.no_speech')], ...recent.map((sp) => [String(sp.speech), speechText(s, sp)])]);
    if (!this.chosen && !this.editing) {
      this.gq.value = s.current_guiding_question || '';
      const sp = defaultSpeech(s);
      this.speech.value = sp ? String(sp) : '';
    }
    this.save.textContent = t(this.editing ? 'rp.save' : 'c.note_add');
    this.cancel.hidden = !this.editing;
  }

  edit(n) {
    this.editing = n;
    this.chosen = true;
    this.text.value = n.text;
    this.gq.value = n.guiding_question || '';
    this.speech.value = n.speech ? String(n.speech) : '';
    this.render(this.state);
    this.text.focus();
  }

  reset() {
    this.editing = null;
    this.chosen = false;
    this.text.value = '';
    this.render(this.state);
  }

  async submit() {
    const text = this.text.value.trim();
    if (!text) return;
    const gq = this.gq.value || null;
    const speech = this.speech.value ? Number(this.speech.value) : null;
    const cmd = this.editing
      ? { type: 'amend_note', note: this.editing.note, text, guiding_question: gq, speech }
      : { type: 'add_note', text, ...(gq ? { guiding_question: gq } : {}), ...(speech ? { speech } : {}) };
    const was = this.editing;
    await act(this.live, cmd, () => {
      this.reset();
      message(t(was ? 'rp.saved' : 'c.noted'), 'ok');
    });
  }
}

// The list of notes, newest first; withdrawn ones stay visible, struck out.
export function renderNotes(s, live, form) {
  const me = person(s, live.me);
  const presiding = me && me.roles.some((r) => r === 'chair' || r === 'moderator');
  const speeches = new Map(s.speeches.map((sp) => [sp.speech, sp]));
  fill('notes', s.notes.length ? s.notes.slice().reverse().map((n) => {
    const withdrawn = n.withdrawn_at_ms !== null;
    const mine = me && (n.author === me.id || presiding);
    const sp = n.speech ? speeches.get(n.speech) : null;
    const meta = [(person(s, n.author) || { name: n.author }).name,
      n.guiding_question ? n.guiding_question.toUpperCase() : t('c.note_general'),
      sp ? t('rp.about_speech', { speech: speechText(s, sp) }) : null,
      n.amended_at_ms !== null ? t('rp.amended') : null,
      withdrawn ? t('rp.withdrawn') : null].filter(Boolean).join(' · ');
    return el('li', { dataset: { note: n.note }, cls: withdrawn ? 'withdrawn' : null },
      el(withdrawn ? 's' : 'p', {}, n.text),
      el('div', { cls: 'small muted' }, meta),
      mine && !withdrawn && el('div', { cls: 'actions' },
        el('button', { type: 'button', dataset: { key: `edit-${n.note}` }, onclick: () => form.edit(n) }, t('rp.edit'), el('span', { cls: 'vh' }, ` — ${n.text.slice(0, 40)}`)),
        el('button', { type: 'button', cls: 'danger', dataset: { key: `withdraw-${n.note}` }, onclick: () => act(live, { type: 'withdraw_note', note: n.note }) },
          t('rp.withdraw'), el('span', { cls: 'vh' }, ` — ${n.text.slice(0, 40)}`))));
  }) : el('li', { cls: 'muted' }, t('rp.no_notes')));
}

// The Chair's summary, as the rapporteur, the secretariat and the Chair work
// on it: built from the notes with one action, then edited section by
// section (introduction, key messages, one section a guiding question,
// recommendations), approved by the Chair, downloaded for the documents
// services (Word, OpenDocument, JSON to sign).
//
// An edit sends one section with the version it started from ("base"); if
// someone else changed that section meanwhile the core refuses it and the
// editor says who, keeping what was typed. render() runs on every event:
// a section being typed in is never overwritten.
import { el, t, fill, act, person, message } from './ui.js';
import { fetchDocument } from './download.js';

const SECTIONS = ['introduction', 'key_messages', 'guiding_question', 'recommendations'];

// The key of a section of the state: its name, or the guiding question's id.
const keyOf = (sec) => (sec.section === 'guiding_question' ? `gq:${sec.guiding_question}` : sec.section);

export class SummaryEditor {
  constructor(live) {
    this.live = live;
    this.editors = new Map(); // key -> {box, area, note, base, dirty, sec}
    this.busy = '';
  }

  render(s) {
    this.state = s;
    const sum = s.summary;
    const me = person(s, this.live.me);
    const roles = me ? me.roles : [];
    const drafting = roles.some((r) => ['rapporteur', 'secretariat', 'chair', 'moderator'].includes(r));
    const chair = roles.includes('chair');
    const approved = sum.approved;
    document.getElementById('sum-status').textContent = !sum.version ? t('sum.none')
      : approved ? t('sum.approved', { version: approved.version, name: (person(s, approved.by) || { name: approved.by }).name })
        : t('sum.draft', { version: sum.version });
    fill('sum-actions',
      drafting && !approved && el('button', {
        type: 'button', id: 'sum-build', cls: sum.version ? null : 'primary',
        onclick: () => {
          if (sum.version && !window.confirm(t('sum.rebuild_confirm'))) return;
          act(this.live, sum.version ? { type: 'draft_summary', replace: true } : { type: 'draft_summary' },
            () => message(t('sum.built'), 'ok'));
        },
      }, t(sum.version ? 'sum.rebuild' : 'sum.build')),
      chair && sum.version && !approved && el('button', {
        type: 'button', id: 'sum-approve', cls: 'primary',
        onclick: () => act(this.live, { type: 'approve_summary', version: sum.version }, () => message(t('sum.approved_ok'), 'ok')),
      }, t('sum.approve', { version: sum.version })),
      chair && approved && el('button', { type: 'button', id: 'sum-reopen', onclick: () => act(this.live, { type: 'reopen_summary' }) }, t('sum.reopen')));
    this.sections(s, sum, drafting && !approved);
    this.downloads(s, sum);
  }

  sections(s, sum, editable) {
    const host = document.getElementById('sum-sections');
    const order = sum.sections.slice().sort((a, b) => SECTIONS.indexOf(a.section) - SECTIONS.indexOf(b.section));
    const keys = order.map(keyOf);
    if (keys.join('\n') !== [...this.editors.keys()].join('\n')) {
      const old = this.editors;
      this.editors = new Map(order.map((sec) => [keyOf(sec), old.get(keyOf(sec)) || this.editor(s, sec)]));
      host.replaceChildren(...[...this.editors.values()].map((e) => e.box));
    }
    for (const sec of order) {
      const e = this.editors.get(keyOf(sec));
      e.sec = sec;
      e.area.readOnly = !editable;
      e.save.hidden = !editable;
      if (!e.dirty && e.base !== sec.version) {
        e.area.value = sec.text;
        e.base = sec.version;
      }
      const by = (person(s, sec.edited_by) || { name: sec.edited_by }).name;
      e.note.textContent = e.dirty && sec.version > e.base
        ? t('sum.changed_meanwhile', { name: by, version: sec.version })
        : t('sum.section_version', { version: sec.version, name: by });
      const conflict = e.dirty && sec.version > e.base;
      e.note.className = conflict ? 'small error' : 'small muted';
      e.discard.hidden = !conflict;
    }
  }

  editor(s, sec) {
    const key = keyOf(sec);
    const id = `sum-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const gq = sec.section === 'guiding_question' ? s.guiding_questions.find((g) => g.id === sec.guiding_question) : null;
    const e = { base: null, dirty: false, sec };
    e.area = el('textarea', { id, rows: 5, maxlength: 12000, dataset: { section: key } });
    e.area.addEventListener('input', () => { e.dirty = true; });
    e.note = el('p', { cls: 'small muted' });
    e.save = el('button', {
      type: 'button', dataset: { key: `save-${key}` },
      onclick: () => {
        const cmd = { type: 'edit_summary', text: e.area.value.trim(), base: e.base };
        if (e.sec.section === 'guiding_question') cmd.guiding_question = e.sec.guiding_question;
        else cmd.section = e.sec.section;
        act(this.live, cmd, () => { e.dirty = false; e.base = null; message(t('sum.saved'), 'ok'); });
      },
    }, t('sum.save'), el('span', { cls: 'vh' }, ` — ${gq ? gq.id.toUpperCase() : t(`sum.${sec.section}`)}`));
    e.discard = el('button', {
      type: 'button', hidden: true, dataset: { key: `discard-${key}` },
      onclick: () => { e.dirty = false; e.base = null; this.render(this.state); },
    }, t('sum.discard'));
    e.box = el('div', { cls: 'sum-section field' },
      el('label', { for: id }, gq ? `${gq.id.toUpperCase()}: ${gq.text}` : t(`sum.${sec.section}`)),
      e.area, e.note, el('div', { cls: 'actions' }, e.save, e.discard));
    return e;
  }

  downloads(s, sum) {
    const links = [];
    const add = (key, query) => links.push(el('button', {
      type: 'button', dataset: { key }, disabled: this.busy ? true : null,
      onclick: async () => {
        this.busy = key;
        this.render(s);
        try {
          const res = await fetchDocument(this.live.meeting, query, `${this.live.meeting}-${key}`);
          if (res.name) message(t('sum.downloaded', { file: res.name }), 'ok');
          else message(res.status === 403 ? t('sec.rec_forbidden') : res.status === 503 ? t('sec.rec_busy', { s: res.retry || 5 })
            : t('sec.rec_failed', { msg: (res.body && res.body.message) || `HTTP ${res.status}` }));
        } catch (e) {
          message(t('sec.rec_failed', { msg: e.message }));
        }
        this.busy = '';
        this.render(s);
      },
    }, t(`sum.dl_${key}`)));
    if (sum.version) {
      const draft = sum.approved ? '' : '&summary=draft';
      const which = sum.approved ? '&summary=approved' : draft;
      add('summary_docx', `format=docx${which}`);
      add('summary_odt', `format=odt${which}`);
      if (sum.approved) add('summary_json', 'format=json&summary=approved');
    }
    add('record_docx', 'format=docx');
    add('record_odt', 'format=odt');
    fill('sum-downloads', ...links);
  }
}

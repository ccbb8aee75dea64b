// Written statements on a page (docs/statements.md): the statements filed,
// each with its file, to withdraw; a form to file one, for oneself or, on the
// secretariat's page, for anyone, on a speech already given or on an agenda
// item before speaking. The file goes as itself (POST .../statements), never
// through the WebSocket: the server reads it, stores it and then makes the
// command, and the page sees the statement arrive on its stream like any
// event. A refusal says why, on the page.
import { el, t, fill, act, person, message, timeIn, tr } from './ui.js';
import { pageAddress } from './client.js';
import { options, itemOf } from './views.js';

const API = '/api/v1/meetings/';
const ACCEPT = '.pdf,.docx,.odt,.txt,.text,.md,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.oasis.opendocument.text,text/plain';

const base = () => `${API}${encodeURIComponent(pageAddress().meeting)}/statements`;
export const statementHref = (x) => `${base()}/${x.hash}`;
export const statementsZipHref = () => `${base()}?format=zip`;
// A file's size in whole kilobytes, at least 1.
export const kb = (n) => t('ip.size', { n: Math.max(1, Math.round(n / 1024)) });

// What a statement is for, in words: a speech (its item and time) or an item.
function target(s, x) {
  const sp = x.speech ? (s.speeches || []).find((y) => y.speech === x.speech) : null;
  const it = itemOf(s, x.item);
  const title = it ? tr(it, 'title') : x.item;
  if (sp) return t('wst.on_speech', { item: title, time: timeIn(sp.started_at_ms, s.meeting.timezone) });
  return t('wst.on_item', { item: title });
}

// The card's list and form, under the heading the page gives #st-card; the
// secretariat's (forAnyone) also chooses whose statement it is and offers
// the archive. The words are the pages' static ones (data-i18n), English
// until the page's language is loaded.
function cardBody(forAnyone) {
  const field = (id, key, text, input, attrs) => el('div', { cls: 'field', ...attrs },
    el('label', { for: id, dataset: { i18n: key } }, text), input);
  return [
    el('ul', { id: 'st-list', cls: 'plain stack' }),
    el('form', { id: 'st-form', cls: 'stack' },
      field('st-person', 'wst.whose', 'Whose statement', el('select', { id: 'st-person' }), { id: 'st-person-field', hidden: true }),
      field('st-for', 'wst.for', 'For', el('select', { id: 'st-for' })),
      field('st-file', 'wst.file', 'The file: PDF, Word, OpenDocument or text, at most 10 MB', el('input', { type: 'file', id: 'st-file' })),
      el('button', { type: 'submit', cls: 'primary', id: 'st-go', dataset: { i18n: 'wst.send' } }, 'File the statement')),
    forAnyone ? el('p', {}, el('a', { id: 'st-zip', hidden: true, download: true, dataset: { i18n: 'ip.all_statements' } }, 'All statements (ZIP)')) : null,
  ];
}

export class StatementsCard {
  // The card's element ids share the prefix `st-`; forAnyone: the
  // secretariat's choice of whose statement it is.
  constructor(live, forAnyone) {
    this.live = live;
    this.forAnyone = forAnyone;
    this.busy = false;
    this.state = null;
    document.getElementById('st-card').append(...cardBody(forAnyone).filter(Boolean));
    const form = document.getElementById('st-form');
    document.getElementById('st-file').setAttribute('accept', ACCEPT);
    document.getElementById('st-person').addEventListener('change', () => this.render(this.state));
    form.addEventListener('submit', (e) => { e.preventDefault(); this.send(); });
  }

  whose() {
    return this.forAnyone ? document.getElementById('st-person').value : this.live.me;
  }

  render(s) {
    if (!s) return;
    this.state = s;
    const live = this.live;
    const card = document.getElementById('st-card');
    card.hidden = !this.forAnyone && !live.me;
    if (card.hidden) return;
    const mine = this.forAnyone ? s.statements : s.statements.filter((x) => x.person === live.me);
    fill('st-list', mine.length ? mine.map((x) => {
      const p = person(s, x.person);
      return el('li', { dataset: { statement: x.statement } },
        this.forAnyone ? el('strong', {}, el('bdi', {}, p ? p.name : x.person), ' · ') : null,
        el('span', {}, target(s, x)), el('br'),
        el('a', { href: statementHref(x), download: x.file_name }, '📄 ', el('bdi', {}, x.file_name)), ` · ${kb(x.size_bytes)}`, ' ',
        el('button', {
          type: 'button', cls: 'danger', dataset: { key: `st-withdraw-${x.statement}` },
          onclick: () => act(live, { type: 'withdraw_statement', statement: x.statement }, () => message(t('wst.withdrawn'), 'ok')),
        }, t('wst.withdraw'), el('span', { cls: 'vh' }, ` — ${x.file_name}`)));
    }) : el('li', { cls: 'muted' }, t('wst.none')));
    const zip = document.getElementById('st-zip');
    if (zip) {
      zip.hidden = !s.statements.length;
      zip.href = statementsZipHref();
    }
    const pick = document.getElementById('st-person-field');
    pick.hidden = !this.forAnyone;
    if (this.forAnyone) {
      const speakers = s.people.filter((p) => p.roles.some((r) => r !== 'secretariat' && r !== 'rapporteur'));
      options(document.getElementById('st-person'), speakers.map((p) => [p.id, p.name]));
    }
    // On one of their speeches, or on an item (the running one first).
    const who = this.whose();
    const speeches = (s.speeches || []).filter((x) => x.person === who);
    const items = [...s.agenda].sort((a, b) => (b.id === s.current_item) - (a.id === s.current_item));
    options(document.getElementById('st-for'), [
      ...items.filter((i) => i.ended_at_ms === null || i.id === s.current_item).map((i) => [`item:${i.id}`, t('wst.on_item', { item: tr(i, 'title') })]),
      ...speeches.map((x) => [`speech:${x.speech}`, target(s, { speech: x.speech, item: x.item })]),
      ...items.filter((i) => i.ended_at_ms !== null && i.id !== s.current_item).map((i) => [`item:${i.id}`, t('wst.on_item', { item: tr(i, 'title') })]),
    ]);
    document.getElementById('st-go').disabled = this.busy;
  }

  async send() {
    const file = document.getElementById('st-file').files[0];
    if (!file) { message(t('wst.no_file')); return; }
    const q = new URLSearchParams({ name: file.name });
    if (this.forAnyone) q.set('person', this.whose());
    const [kind, id] = document.getElementById('st-for').value.split(':');
    if (kind && id) q.set(kind, id);
    if (this.live.as) q.set('as', this.live.as);
    this.busy = true;
    this.render(this.state);
    message(t('wst.sending', { name: file.name }), 'ok');
    try {
      const r = await fetch(`${base()}?${q}`, {
        method: 'POST', credentials: 'same-origin', body: file,
        headers: { 'content-type': file.type || 'application/octet-stream' },
      });
      const body = await r.json().catch(() => null);
      if (!r.ok) message(t('wst.refused', { msg: body && body.message ? body.message : `HTTP ${r.status}` }));
      else {
        message(t('wst.sent', { name: file.name }), 'ok');
        document.getElementById('st-file').value = '';
      }
    } catch (e) {
      message(t('wst.refused', { msg: e.message }));
    }
    this.busy = false;
    this.render(this.state);
  }
}

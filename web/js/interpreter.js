// The interpreters' page (an interpreter link): who speaks now and who next,
// the language each will speak in (the one their request names, else the
// first the definition says they speak), their written statement when they
// filed one, the clock and the guiding question; large enough to read from a
// booth, in every language of the pages. Read-only.
import { boot, el, t, fill, person, personLine, languageName, bidi, tr } from './ui.js';
import { drawClock, speechOf, itemOf, gqOf } from './views.js';
import { ClockAnnouncer } from './client.js';
import { statementHref, statementsZipHref, kb } from './statements.js';

let announcer = null;

// The language someone will speak in: the request's (or speech's), else
// the first the definition lists for them; null when nothing says.
function languageOf(s, who, ask) {
  if (ask && ask.language) return ask.language;
  const p = person(s, who);
  return p && p.speaks && p.speaks.length ? p.speaks[0] : null;
}

function languageLine(s, tag) {
  if (!tag) return el('span', { cls: 'muted', dataset: { lang: '' } }, t('ip.lang_unknown'));
  const meeting = s.meeting.languages.some((l) => l.toLowerCase() === tag.toLowerCase());
  return el('span', { dataset: { lang: tag } }, `🗣 ${languageName(tag)}`,
    meeting ? null : el('span', { cls: 'badge warn' }, t('ip.not_meeting_lang')));
}

// The current statement of a person for this speech, else for the item
// running (filed before they took the floor); null when none.
function statementOf(s, who, speech) {
  const mine = s.statements.filter((x) => x.person === who);
  return (speech && mine.find((x) => x.speech === speech)) ||
    mine.find((x) => x.speech === null && x.item === s.current_item) || null;
}

function statementLink(x) {
  return el('a', { href: statementHref(x), download: x.file_name, dataset: { statement: x.statement } },
    '📄 ', el('bdi', {}, x.file_name), ` · ${kb(x.size_bytes)}`);
}

const page = {
  title: 'ip.title',
  init() { announcer = new ClockAnnouncer(document.getElementById('announce'), t); },
  render(s) {
    const item = itemOf(s);
    fill('item-title', item ? bidi(tr(item, 'title')) : s.status === 'closed' ? t('m.closed') : t('m.scheduled'));
    const sp = speechOf(s);
    const p = sp ? person(s, sp.person) : null;
    fill('who', sp ? bidi(sp.name) : t('now.nobody'));
    fill('who-sub', sp ? bidi(personLine(p)) : '');
    fill('who-lang', sp ? languageLine(s, languageOf(s, sp.person, sp)) : null);
    const own = sp ? statementOf(s, sp.person, sp.speech) : null;
    fill('who-statement', own ? statementLink(own) : sp ? el('span', { cls: 'muted' }, t('ip.no_statement')) : null);

    // Next: the list as it stands, else the item's planned speakers not heard.
    const next = s.floor.list.slice(0, 3).map((r) => ({ who: r.person, name: r.name, sub: r.affiliation, ask: r }));
    const planned = s.floor.planned.filter((x) => !x.heard && (!sp || x.person !== sp.person)).slice(0, 3)
      .map((x) => {
        const q = person(s, x.person);
        return { who: x.person, name: q ? q.name : x.person, sub: q ? q.affiliation : '', ask: null };
      });
    const rows = next.length ? next : planned;
    fill('next', rows.map((x) => {
      const st = statementOf(s, x.who, null);
      return el('li', { dataset: { person: x.who } },
        el('bdi', { cls: 'next-name' }, x.name), x.sub ? ' — ' : '', x.sub ? el('bdi', {}, x.sub) : '',
        el('div', { cls: 'booth-lang small-lang' }, languageLine(s, languageOf(s, x.who, x.ask))),
        st ? el('div', { cls: 'booth-statement' }, statementLink(st)) : null);
    }));
    document.getElementById('next').parentElement.hidden = !rows.length;

    const gq = gqOf(s);
    document.getElementById('gq').hidden = !gq;
    fill('gq-text', gq ? bidi(tr(gq, 'text')) : '');

    // Every current statement of the meeting, those of the running item first.
    const all = [...s.statements].sort((a, b) => (b.item === s.current_item) - (a.item === s.current_item) || a.statement - b.statement);
    document.getElementById('st-none').hidden = all.length > 0;
    fill('statements', all.map((x) => {
      const q = person(s, x.person);
      const on = itemOf(s, x.item);
      return el('li', { dataset: { statement: x.statement } },
        el('bdi', { cls: 'next-name' }, q ? q.name : x.person), on ? [' · ', bidi(tr(on, 'title'))] : '', ' ', statementLink(x));
    }));
    const zip = document.getElementById('st-all');
    zip.hidden = all.length === 0;
    zip.href = statementsZipHref();
  },
  tick(s, live) {
    const sp = speechOf(s);
    const p = drawClock(document.getElementById('big-clock'), sp, live.now());
    announcer.update(sp, p && p.c);
  },
};

boot(page);

// Pieces several pages draw the same way: the speaker and the clock, the
// agenda with its times in two zones, the documents, the questions.
import { speechClock } from './client.js';
import { el, t, tn, label, dur, timeIn, dateIn, zoneName, viewerZone, wallToMs, safeHref, person, personLine, bidi, tr } from './ui.js';

// The running speech, or null.
export const speechOf = (s) => s.floor.speech;
export const itemOf = (s, id) => s.agenda.find((i) => i.id === (id === undefined ? s.current_item : id)) || null;
export const gqOf = (s, id) => s.guiding_questions.find((g) => g.id === (id === undefined ? s.current_guiding_question : id)) || null;

// Clock text and phase word for a speech at server time now.
export function clockParts(sp, now) {
  const c = speechClock(sp, now);
  if (!c) return null;
  const text = c.remaining >= 0 ? dur(c.remaining) : `+${dur(-c.remaining)}`;
  return { c, text, phase: t(`clock.${c.phase}`), of: t('clock.of', { limit: dur(c.limit) }) };
}

// Updates a clock box (data-phase, the time, the phase word) in place.
export function drawClock(box, sp, now) {
  const p = clockParts(sp, now);
  if (!box) return p;
  box.hidden = !p;
  if (!p) return p;
  box.dataset.phase = p.c.phase;
  const time = box.querySelector('.clock, .big-clock');
  const word = box.querySelector('.clock-state, .phase');
  const lim = box.querySelector('.clock-limit');
  if (time && time.textContent !== p.text) time.textContent = p.text;
  const w = p.c.phase === 'over' ? `⚠ ${p.phase}` : p.c.phase === 'warning' ? `⚑ ${p.phase}` : p.c.phase === 'paused' ? `⏸ ${p.phase}` : p.phase;
  if (word && word.textContent !== w) word.textContent = w;
  if (lim && lim.textContent !== p.of) lim.textContent = p.of;
  return p;
}

export function clockBox() {
  return el('div', { cls: 'clock-box' },
    el('div', { cls: 'clock' }), el('div', { cls: 'clock-state' }), el('div', { cls: 'clock-limit small' }));
}

// "Now": the item, the guiding question, who has the floor.
export function nowBlock(s) {
  const item = itemOf(s);
  const gq = gqOf(s);
  const sp = speechOf(s);
  const p = sp ? person(s, sp.person) : null;
  const statusLine = s.status === 'scheduled' ? startsLine(s) : s.status === 'closed' ? t('m.closed') : null;
  return [
    statusLine && el('p', { cls: 'muted' }, statusLine),
    item && el('p', {}, el('strong', {}, t('now.item')), ' ', bidi(tr(item, 'title'))),
    gq && el('p', {}, el('strong', {}, t('now.gq')), ' ', bidi(tr(gq, 'text'))),
    sp ? el('div', { cls: 'speaker' },
      el('div', { cls: 'speaker-name', id: 'speaker-name' }, bidi(sp.name)),
      el('div', { cls: 'muted' }, bidi(personLine(p))),
      el('div', { cls: 'small' }, `${label('kind', sp.kind)} · ${label('mode', sp.mode)}`))
      : (s.status === 'open' && el('p', { id: 'speaker-name' }, t('now.nobody'))),
  ];
}

// "The meeting opens on 31 Mar 2022 at 14:30 CEST": before it opens.
export function startsLine(s) {
  const z = s.meeting.timezone;
  const at = wallToMs(s.meeting.starts, z);
  if (at === null) return t('m.scheduled');
  return t('m.starts', { date: dateIn(at, z), time: `${timeIn(at, z)} ${zoneName(at, z)}` });
}

// Planned start of each item: the meeting's start plus the planned minutes before it.
export function plannedStarts(s) {
  const z = s.meeting.timezone;
  let at = wallToMs(s.meeting.starts, z);
  return s.agenda.map((i) => {
    const start = at;
    if (at !== null) at += i.planned_minutes * 60000;
    return start;
  });
}

// A time in the meeting's zone, and in the viewer's when that differs.
export function twoZones(ms, zone) {
  if (ms === null || ms === undefined) return '';
  const here = `${timeIn(ms, zone)} ${zoneName(ms, zone)}`;
  if (zoneName(ms, viewerZone) === zoneName(ms, zone)) return here;
  return `${here} (${t('time.yours')} ${timeIn(ms, viewerZone)} ${zoneName(ms, viewerZone)})`;
}

export function agendaItems(s, extra) {
  const starts = plannedStarts(s);
  const z = s.meeting.timezone;
  return s.agenda.map((i, n) => {
    const now = s.current_item === i.id;
    const done = !now && i.ended_at_ms !== null;
    const state = now ? el('span', { cls: 'badge now' }, `▶ ${t('agenda.now')}`) : done ? el('span', { cls: 'badge' }, `✓ ${t('agenda.done')}`) : null;
    const actual = i.started_at_ms !== null ? t('agenda.actual', { start: twoZones(i.started_at_ms, z), mins: Math.round(i.actual_ms / 60000) }) : null;
    return el('li', { dataset: { item: i.id }, 'aria-current': now ? 'step' : null },
      el('div', { cls: 'item-head' }, el('strong', {}, bidi(tr(i, 'title'))), state),
      el('div', { cls: 'small muted' }, t('agenda.planned', { start: twoZones(starts[n], z), mins: i.planned_minutes })),
      actual && el('div', { cls: 'small' }, actual),
      extra ? extra(i) : null);
  });
}

export function documentItems(s) {
  return s.documents.map((d) => {
    const href = safeHref(d.link);
    const title = [d.symbol && el('bdi', { dir: 'ltr' }, d.symbol), d.symbol && ': ', bidi(tr(d, 'title'))];
    return el('li', {}, href ? el('a', { href, rel: 'noopener noreferrer', target: '_blank' }, title) : title);
  });
}

// Questions in the order the audience sees them: most votes first, then oldest.
export function visibleQuestions(s) {
  return s.questions.filter((q) => q.state === 'visible')
    .sort((a, b) => b.votes - a.votes || a.question - b.question);
}

export function questionHead(s, q) {
  const who = q.anonymous || !q.author ? t('q.anonymous') : (person(s, q.author) || { name: q.author }).name;
  const to = q.to ? (person(s, q.to) || { name: q.to }).name : null;
  const gq = q.guiding_question ? gqOf(s, q.guiding_question) : null;
  return [
    el('p', { cls: 'q-text' }, bidi(q.text)),
    el('div', { cls: 'small muted' },
      bidi(who), to && [' · ', tn('q.to', { name: to })], gq && ` · ${t('q.on_gq', { id: gq.id.toUpperCase() })}`),
    el('div', { cls: 'item-head small' },
      el('span', { cls: 'badge', dataset: { votes: q.votes } }, t('q.votes', { n: q.votes })),
      q.answered ? el('span', { cls: 'badge now' }, `✓ ${t('q.answered')}`) : null,
      q.state !== 'visible' ? el('span', { cls: 'badge warn' }, label('qstate', q.state)) : null,
      s.shown_question === q.question ? el('span', { cls: 'badge now', dataset: { shown: '1' } }, `▣ ${t('q.on_screen')}`) : null),
  ];
}

// Options of a <select>, keeping its value when it is still offered.
export function options(select, list) {
  const v = select.value;
  const same = select.options.length === list.length &&
    list.every(([value, text], i) => select.options[i].value === value && select.options[i].textContent === text);
  if (same) return;
  select.replaceChildren(...list.map(([value, text]) => el('option', { value }, text)));
  if (list.some(([value]) => value === v)) select.value = v;
}

export function gqOptions(s, none) {
  return [['', none], ...s.guiding_questions.map((g) => [g.id, `${g.id.toUpperCase()}: ${tr(g, 'text')}`])];
}

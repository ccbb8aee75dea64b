// The secretariat's page: the meeting as defined, the people with their
// attendance (check someone in, or mark them online, on their behalf), the
// invitation links, the written statements (filed for anyone, withdrawn,
// downloaded as one archive), the documents and the outcome record.
//
// The links are secretariat_links.js's; the record's downloads and loading a
// meeting definition are secretariat_record.js's; the Chair's summary is
// summary.js's.
import { boot, el, t, fill, act, label, wallToMs } from './ui.js';
import { documentItems, twoZones } from './views.js';
import { initLinks, renderLinks } from './secretariat_links.js';
import { initRecord, renderRecord } from './secretariat_record.js';
import { SummaryEditor } from './summary.js';
import { StatementsCard } from './statements.js';

let summary = null;
let statements = null;

function renderMeeting(s, live) {
  const m = s.meeting;
  const z = m.timezone;
  const row = (k, v) => (v ? [el('dt', {}, t(k)), el('dd', {}, v)] : []);
  fill('meeting',
    row('sec.status', label('status', s.status)),
    row('sec.body', m.body),
    row('sec.when', `${twoZones(wallToMs(m.starts, z), z)} – ${twoZones(wallToMs(m.ends, z), z)}`),
    row('sec.zone', z),
    row('sec.venue', m.venue),
    row('sec.online', m.online_link),
    row('sec.languages', (m.languages || []).join(', ')));
  fill('meeting-actions', s.status === 'scheduled' &&
    el('button', { type: 'button', cls: 'primary', onclick: () => act(live, { type: 'open_meeting' }) }, t('c.open_meeting')));
}

function renderPeople(s, live) {
  const present = s.people.filter((p) => p.present).length;
  document.getElementById('people-count').textContent = t('sec.present_count', { n: present, of: s.people.length });
  const head = ['sec.name', 'sec.affiliation', 'sec.group', 'sec.region', 'sec.mode', 'sec.roles', 'sec.present', 'sec.actions'];
  fill('people',
    el('caption', { cls: 'vh' }, t('sec.people')),
    el('thead', {}, el('tr', {}, head.map((k) => el('th', { scope: 'col' }, t(k))))),
    el('tbody', {}, s.people.map((p) => el('tr', { dataset: { person: p.id } },
      el('th', { scope: 'row' }, p.name),
      el('td', {}, [p.function, p.affiliation].filter(Boolean).join(', ')),
      el('td', {}, label('group', p.group)),
      el('td', {}, label('region', p.region)),
      el('td', {}, label('mode', p.mode)),
      el('td', {}, p.roles.map((r) => label('role', r)).join(', ')),
      el('td', {}, p.present ? `✓ ${t('sec.yes')}` : `— ${t('sec.no')}`),
      el('td', {}, s.status !== 'closed' && !p.present && el('div', { cls: 'actions' },
        el('button', { type: 'button', dataset: { key: `in-${p.id}` }, onclick: () => act(live, { type: 'check_in', person: p.id }) }, t('sec.check_in'), el('span', { cls: 'vh' }, ` — ${p.name}`)),
        el('button', { type: 'button', dataset: { key: `on-${p.id}` }, onclick: () => act(live, { type: 'join', person: p.id }) }, t('sec.join'), el('span', { cls: 'vh' }, ` — ${p.name}`))))))));
}

const page = {
  title: 'sec.title',
  init(live) { initLinks(live); initRecord(live); summary = new SummaryEditor(live); statements = new StatementsCard(live, true); },
  render(s, live) {
    renderMeeting(s, live);
    renderPeople(s, live);
    renderLinks(s, live);
    renderRecord(s, live);
    summary.render(s);
    statements.render(s);
    fill('docs', documentItems(s));
  },
};

boot(page);

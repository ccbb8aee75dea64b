// The lists of speakers before the meeting (docs/speakers-list.md, "The list
// before the meeting"), as the speakers page and the participant page show
// them: each agenda item's list as the state gives it, whether people may
// inscribe now, and why each place stands where it stands, in the reader's
// language. The reason is put together from the entry's reason code, rank
// and level, the way src/report/speakers.c puts it together for the PDF and
// the CSV, in the same words (the "sl." keys of web/i18n).
import { t, person, dateIn, timeIn, zoneName, viewerZone } from './ui.js';

export const LEVELS = ['head_of_state', 'head_of_government', 'vice_president', 'crown_prince',
  'minister', 'vice_minister', 'head_of_delegation'];

// Only a state's speaker declares a level above head of delegation.
export const isState = (p) => !!p && (p.group === 'member_state' || p.group === 'observer_state');
// A group statement is made by a state or an intergovernmental organization.
export const mayStateForGroup = (p) => isState(p) || (!!p && p.group === 'intergovernmental');
export const delegationOf = (p) => (p ? p.delegation || p.affiliation || p.name : '');

export function provisionalOf(s, item) {
  return (s.provisional || []).find((p) => p.item === item) || null;
}

// The entries of an item's list: its provisional list, or the live list while it runs.
export function listOf(s, item) {
  const p = provisionalOf(s, item);
  if (!p) return [];
  return p.running ? s.floor.list : p.list;
}

// A moment days away: its date and time in the meeting's zone, and in the
// viewer's when that differs.
export function when(ms, zone) {
  if (ms === null || ms === undefined) return '';
  const here = `${dateIn(ms, zone)} ${timeIn(ms, zone)} ${zoneName(ms, zone)}`;
  if (zoneName(ms, viewerZone) === zoneName(ms, zone)) return here;
  return `${here} (${t('time.yours')} ${dateIn(ms, viewerZone)} ${timeIn(ms, viewerZone)} ${zoneName(ms, viewerZone)})`;
}

// "YYYY-MM-DDTHH:MM" of a moment in the zone, as a datetime-local field shows it.
export function wallOf(ms, zone) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
    .formatToParts(ms)) p[x.type] = x.value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// Whether a person may inscribe for the item at server time now.
export function inscriptionOpen(s, prov, now) {
  const w = prov && prov.inscription;
  if (!w || w.opens_at_ms === null || prov.running || s.status === 'closed') return false;
  return now >= w.opens_at_ms && (w.closes_at_ms === null || now < w.closes_at_ms);
}

// The person's own waiting inscriptions, on lists of items not running.
export function inscriptionsOf(s, who) {
  return (s.provisional || []).filter((p) => !p.running)
    .flatMap((p) => p.list.filter((e) => e.person === who).map((e) => ({ item: p.item, entry: e, of: p.list.length })));
}

function pinnedByChair(s, e) {
  const by = person(s, e.pinned_by);
  return !by || by.roles.includes('chair') || by.roles.includes('moderator');
}

// Why the entry stands where it stands, in the page's language.
export function whyHere(s, e) {
  const code = e.reason_code;
  const n = String(e.reason_rank);
  if (code === 'moved' || code === 'placed') return t(`sl.why.${code}_${pinnedByChair(s, e) ? 'chair' : 'secretariat'}`);
  if (code === 'swapped') {
    const other = s.floor_requests.find((r) => r.request === e.swapped_with);
    return t('sl.why.swapped', { with: delegationOf(other && person(s, other.person)) });
  }
  if (!code.startsWith('un_')) return t(`sl.why.${code}`, { n });
  const parts = [code === 'un_group_statement' ? t('sl.why.group_statement', { group: e.on_behalf_of }) : t(`sl.why.${code.slice(3)}`)];
  const levels = isState(person(s, e.person)) || code === 'un_group_statement';
  if (levels) parts.push(t(`sl.level.${e.level}`));
  parts.push(t(levels ? 'sl.why.rank' : 'sl.why.rank_time', { n }));
  if (e.level_changed_at_ms) parts.push(t('sl.why.level_changed'));
  return parts.join(t('sl.why.sep'));
}

// The page that shows the lists, for the meeting of this page's address.
export function speakersHref(item) {
  const m = /^\/m\/([^/]+)\//.exec(location.pathname);
  const q = new URLSearchParams(location.search);
  const out = new URLSearchParams();
  if (q.get('as')) out.set('as', q.get('as'));
  if (item) out.set('item', item);
  return `/m/${m ? m[1] : ''}/speakers${out.toString() ? `?${out}` : ''}`;
}

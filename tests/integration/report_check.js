// Independent checks of gavel's report outputs, run by tests/integration/report_*.sh:
//   node report_check.js schema RECORD.json
//       validates the record against docs/record.schema.json with ajv;
//   node report_check.js figures FIGURES.json DIR
//       checks every figure of FIGURES.json (worked out by hand from the
//       scenario) in DIR/record.json, speeches.csv, record.md, record.html and
//       record.txt (pdftotext -layout of the PDF);
//   node report_check.js calendar FILE.ics FIGURES.json
//       parses the calendar with ical.js and checks its times in the meeting's
//       zone and in UTC.
// Exits 1 with every failure listed, 0 when all hold.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = process.env.GV_SOURCE_DIR || path.resolve(__dirname, '..', '..');
const failures = [];
let checks = 0;

function need(mod) {
  try {
    return require(path.join(ROOT, 'node_modules', mod));
  } catch (e) {
    console.error(`report_check: npm package ${mod} is missing: run scripts/install-npm`);
    process.exit(1);
  }
}

function eq(got, want, what) {
  checks++;
  if (JSON.stringify(got) !== JSON.stringify(want))
    failures.push(`${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
}

function ok(cond, what) {
  checks++;
  if (!cond) failures.push(what);
}

function finish(name) {
  if (failures.length) {
    console.error(`report_check ${name}: ${failures.length} of ${checks} checks failed:`);
    for (const f of failures.slice(0, 60)) console.error('  ' + f);
    process.exit(1);
  }
  console.log(`report_check ${name}: ${checks} checks passed`);
}

// Invisible bidi isolates around names inside sentences (U+2068, U+2069).
const plain = (s) => s.replace(/[\u2068\u2069]/g, '');

function schema(recordPath) {
  const Ajv2020 = need('ajv/dist/2020');
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'record.schema.json'), 'utf8')));
  const record = JSON.parse(fs.readFileSync(recordPath, 'utf8'));
  ok(validate(record), 'the record does not follow docs/record.schema.json: ' +
    JSON.stringify(validate.errors && validate.errors.slice(0, 5)));
  finish('schema');
}

// RFC 4180 reader: quoted fields, doubled quotes, CRLF records.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
    if (c === '\n') throw new Error('a bare LF ends a CSV record: RFC 4180 wants CRLF');
    field += c; i++;
  }
  if (field !== '' || row.length) throw new Error('the CSV does not end with CRLF');
  return rows;
}

// Tables of a Markdown file, by the section heading (## or ###) above them.
function mdTables(text) {
  const tables = {};
  let section = '', current = null;
  for (const line of text.split('\n')) {
    const h = line.match(/^#{2,3} (.*)$/);
    if (h) { section = plain(h[1]); current = null; continue; }
    if (line.startsWith('| ')) {
      const cells = line.slice(2, -2).split(' | ').map((c) => plain(c.replace(/<br>/g, '\n').replace(/&#124;/g, '|')
        .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\\(.)/g, '$1')));
      if (!current) { current = []; (tables[section] = tables[section] || []).push(current); }
      if (!/^-+:?$/.test(cells[0].trim())) current.push(cells);
      continue;
    }
    current = null;
  }
  return tables;
}

// Tables of the HTML page, by the <h2>/<h3> above them; cells as text.
function htmlTables(text) {
  const tables = {};
  const unescape = (s) => plain(s.replace(/<br>/g, '\n').replace(/<[^>]+>/g, '').replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
  const re = /<h[23] id="[^"]*">([^<]*)<\/h[23]>|<table>([\s\S]*?)<\/table>/g;
  let m, section = '';
  while ((m = re.exec(text))) {
    if (m[1] !== undefined) { section = unescape(m[1]); continue; }
    const rows = [];
    for (const tr of m[2].match(/<tr>[\s\S]*?<\/tr>/g) || []) {
      rows.push((tr.match(/<t[hd][^>]*>[\s\S]*?<\/t[hd]>/g) || []).map((c) => unescape(c.replace(/^<t[hd][^>]*>|<\/t[hd]>$/g, ''))));
    }
    (tables[section] = tables[section] || []).push(rows);
  }
  return tables;
}

// The checks of the visual formats (Markdown and HTML lay out the same tables).
function checkTables(fmt, tables, fig) {
  const first = (name) => (tables[name] || [[]])[0];
  const agenda = first('Agenda as held');
  eq(agenda.length, fig.agenda.length + 1, `${fmt} agenda rows`);
  fig.agenda.forEach((a, i) => {
    const r = agenda[i + 1] || [];
    eq([r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8]],
      [String(a.n), a.planned_start, a.actual_start, a.planned, a.actual, a.difference, String(a.speeches), a.speaking_time],
      `${fmt} agenda item ${a.id}`);
  });
  const sp = first('Speeches');
  eq(sp.length, fig.speeches.length + 1, `${fmt} speech rows`);
  fig.speeches.forEach((s, i) => {
    const r = sp[i + 1] || [];
    eq([r[0], r[1], (r[2] || '').split('\n')[0], r[7], r[8], r[9]],
      [String(s.n), s.start, s.name, s.duration, s.limit, s.overtime || '\u2014'], `${fmt} speech ${s.n}`);
  });
  const q = first('Questions from the audience');
  fig.questions.forEach((want, i) => {
    const r = q[i + 1] || [];
    eq([r[0], r[4], r[5].startsWith(want.answered ? 'yes' : 'no')], [String(want.question), String(want.votes), true],
      `${fmt} question ${want.question}`);
    if (want.answered) ok(r[5].includes(want.answered_at), `${fmt} question ${want.question} answered at ${want.answered_at}`);
    if (want.merged_into) eq(r[6], `Merged into #${want.merged_into}`, `${fmt} question ${want.question} state`);
  });
  const dims = { group: 'By stakeholder group', region: 'By regional group', gender: 'By gender', mode: 'In the room and online' };
  for (const [d, title] of Object.entries(dims)) {
    const t = first(title);
    fig.participation[d].forEach((row, i) => {
      const r = t[i + 1] || [];
      eq(r.slice(1), [String(row.attended), row.attended_share, String(row.turns), row.speaking_time, row.speaking_share, row.overtime],
        `${fmt} participation ${d} ${row.key}`);
    });
  }
  fig.guiding_questions.forEach((g, i) => {
    const tabs = tables[`Guiding question ${i + 1}`] || [];
    const speakers = g.speakers.length ? tabs[0].slice(1).map((r) => r[0]) : [];
    eq(speakers, g.speakers.map((p) => fig.names[p]), `${fmt} guiding question ${g.id} speakers`);
  });
}

function figures(figPath, dir) {
  const fig = JSON.parse(fs.readFileSync(figPath, 'utf8'));
  const rec = JSON.parse(fs.readFileSync(path.join(dir, 'record.json'), 'utf8'));
  fig.names = Object.fromEntries(rec.people.map((p) => [p.id, p.name]));
  const local = (hms) => `2022-03-31T${hms}+02:00`;

  // JSON: the record itself.
  eq(rec.speeches.length, fig.totals.speeches, 'json speeches');
  fig.speeches.forEach((s, i) => {
    const r = rec.speeches[i] || {};
    eq([r.n, r.person, r.item, r.kind, r.mode, r.group, r.start && r.start.local, r.start && r.start.ms, r.duration_ms, r.limit_ms, r.overtime_ms, r.paused_ms],
      [s.n, s.person, s.item, s.kind, s.mode, s.group, local(s.start), s.start_ms, s.duration_ms, s.limit_ms, s.overtime_ms, s.paused_ms], `json speech ${s.n}`);
  });
  fig.agenda.forEach((a, i) => {
    const r = rec.agenda[i] || {};
    eq([r.id, r.planned_start.local, r.started.local, r.actual_ms, r.speeches],
      [a.id, local(a.planned_start), local(a.actual_start), a.actual_ms, a.speeches], `json agenda ${a.id}`);
  });
  const P = rec.participation;
  eq([P.attendance.people, P.attendance.attended, P.speaking.turns, P.speaking.spoken_ms, P.speaking.overtime_ms],
    [fig.totals.people, fig.totals.attended, fig.totals.turns, fig.totals.spoken_ms, fig.totals.overtime_ms], 'json totals');
  for (const d of ['group', 'region', 'gender', 'mode']) {
    fig.participation[d].forEach((row, i) => {
      const a = P.attendance['by_' + d][i] || {}, s = P.speaking['by_' + d][i] || {};
      eq([a.key, a.count, a.share_permille, s.key, s.turns, s.spoken_ms, s.overtime_ms, s.share_permille],
        [row.key, row.attended, row.attended_permille, row.key, row.turns, row.spoken_ms, row.overtime_ms, row.speaking_permille],
        `json participation ${d} ${row.key}`);
    });
    eq(P.attendance['by_' + d].reduce((n, r) => n + r.share_permille, 0), 1000, `json attendance shares by ${d} add up`);
    eq(P.speaking['by_' + d].reduce((n, r) => n + r.share_permille, 0), 1000, `json speaking shares by ${d} add up`);
  }
  fig.questions.forEach((q, i) => {
    const r = rec.questions[i] || {};
    eq([r.question, r.author, r.votes, r.answered, r.state, r.merged_into || undefined, r.answered_at ? r.answered_at.local : undefined],
      [q.question, q.author, q.votes, q.answered, q.state, q.merged_into, q.answered_at ? local(q.answered_at) : undefined], `json question ${q.question}`);
  });
  fig.guiding_questions.forEach((g, i) => {
    const r = rec.guiding_questions[i] || {};
    eq([r.id, r.speakers.map((s) => s.person), r.notes.length], [g.id, g.speakers, g.notes], `json guiding question ${g.id}`);
    if (g.questions) eq(r.questions, g.questions, `json guiding question ${g.id} questions`);
  });
  eq([rec.meeting.opened.local, rec.meeting.closed.local, rec.verification.last_seq],
    [local(fig.meeting.opened), local(fig.meeting.closed), fig.meeting.last_seq], 'json meeting');

  // CSV: the speeches.
  const csvText = fs.readFileSync(path.join(dir, 'speeches.csv'), 'utf8');
  // A UTF-8 byte-order mark first, so that Excel reads the names as UTF-8.
  eq(csvText.charCodeAt(0), 0xfeff, 'csv byte-order mark');
  const rows = parseCsv(csvText.slice(1));
  const head = rows[0], col = (r, name) => r[head.indexOf(name)];
  eq(rows.length, fig.speeches.length + 1, 'csv rows');
  fig.speeches.forEach((s, i) => {
    const r = rows[i + 1] || [];
    eq([col(r, 'n'), col(r, 'person'), col(r, 'name'), col(r, 'start_local'), col(r, 'duration_ms'), col(r, 'duration'),
      col(r, 'limit_ms'), col(r, 'overtime_ms'), col(r, 'paused_ms'), col(r, 'kind'), col(r, 'mode'), col(r, 'stakeholder_group')],
    [String(s.n), s.person, s.name, local(s.start), String(s.duration_ms), s.duration, String(s.limit_ms),
      String(s.overtime_ms), String(s.paused_ms), s.kind, s.mode, s.group], `csv speech ${s.n}`);
  });

  // Markdown and HTML: the same tables.
  checkTables('md', mdTables(fs.readFileSync(path.join(dir, 'record.md'), 'utf8')), fig);
  const html = fs.readFileSync(path.join(dir, 'record.html'), 'utf8');
  checkTables('html', htmlTables(html), fig);
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) || [];
  eq(svgs.length, 4, 'html charts (one per breakdown)');

  // PDF (its text, laid out): each row's figures on one line, in order.
  const txt = plain(fs.readFileSync(path.join(dir, 'record.txt'), 'utf8')).split('\n');
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const line = (re, what) => ok(txt.some((l) => re.test(l)), `pdf: no line for ${what} (${re})`);
  fig.speeches.forEach((s) => line(new RegExp(`^\\s*${s.n}\\s+${esc(s.start)}\\s.*\\s${esc(s.duration)}\\s+${esc(s.limit)}\\s+${esc(s.overtime || '\u2014')}\\s*$`), `speech ${s.n}`));
  fig.agenda.forEach((a) => line(new RegExp(`^\\s*${a.n}\\s.*${esc(a.planned_start)}\\s+${esc(a.actual_start)}\\s+${esc(a.planned)}\\s+${esc(a.actual)}\\s+${esc(a.difference)}\\s+${a.speeches}\\s+${esc(a.speaking_time)}\\s*$`), `agenda item ${a.id}`));
  for (const d of Object.keys(fig.participation))
    fig.participation[d].forEach((r) => line(new RegExp(`\\s${r.attended}\\s+${esc(r.attended_share)}\\s+${r.turns}\\s+${esc(r.speaking_time)}\\s+${esc(r.speaking_share)}\\s+${esc(r.overtime)}\\s*$`), `participation ${d} ${r.key}`));
  fig.questions.forEach((q) => line(new RegExp(`^\\s*${q.question}\\s.*\\s${q.votes}\\s+${q.answered ? 'yes' : 'no'}`), `question ${q.question}`));
  line(new RegExp(`${fig.totals.speeches} speeches, ${fig.totals.turns} turns, ${esc(fig.totals.speaking_time)}`), 'totals');
  finish('figures');
}

function calendar(icsPath, figPath) {
  const mod = need('ical.js');
  const ICAL = mod.default || mod;
  const fig = JSON.parse(fs.readFileSync(figPath, 'utf8'));
  const text = fs.readFileSync(icsPath, 'utf8');
  ok(/^BEGIN:VCALENDAR\r\n/.test(text) && !/[^\r]\n/.test(text), 'iCalendar lines end with CRLF');
  const cal = new ICAL.Component(ICAL.parse(text));
  const vtz = cal.getFirstSubcomponent('vtimezone');
  ok(vtz, 'the calendar has a VTIMEZONE');
  eq(vtz.getFirstPropertyValue('tzid'), 'Europe/Zurich', 'VTIMEZONE TZID');
  const zone = new ICAL.Timezone(vtz);
  ICAL.TimezoneService.register(zone, 'Europe/Zurich');
  const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  eq(events.length, fig.agenda.length, 'one VEVENT per agenda item');
  const utc = (t) => t.convertToZone(ICAL.Timezone.utcTimezone).toString();
  let at = Date.UTC(2022, 2, 31, 12, 30) / 1000;
  fig.agenda.forEach((a, i) => {
    const e = events[i];
    const [h, m] = a.planned.split(':').map(Number);
    const minutes = a.planned.split(':').length === 3 ? h * 60 + m : h;
    eq(e.startDate.zone.tzid, 'Europe/Zurich', `event ${a.id} zone`);
    eq(e.startDate.toString().slice(11, 19), a.planned_start, `event ${a.id} local start`);
    eq(e.startDate.toUnixTime(), at, `event ${a.id} start in UTC (s)`);
    eq(e.endDate.toUnixTime(), at + minutes * 60, `event ${a.id} end in UTC (s)`);
    eq(e.startDate.zone.utcOffset(e.startDate), 7200, `event ${a.id} offset from UTC`);
    ok(e.uid.startsWith(`${a.id}.`), `event ${a.id} uid ${e.uid}`);
    at += minutes * 60;
  });
  eq(utc(events[0].startDate), '2022-03-31T12:30:00Z', 'first item 14:30 Zurich = 12:30 UTC');
  eq(events[0].startDate.toString(), '2022-03-31T14:30:00', 'first item 14:30 local');
  eq(utc(events[events.length - 1].endDate), '2022-03-31T14:30:00Z', 'last item ends 16:30 Zurich = 14:30 UTC');
  // A winter date in the same zone is an hour closer to UTC: the rules, not a fixed offset.
  const winter = ICAL.Time.fromData({ year: 2022, month: 12, day: 1, hour: 14, minute: 30 }, zone);
  eq(utc(winter), '2022-12-01T13:30:00Z', 'the VTIMEZONE gives winter time too');
  finish('calendar');
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'schema') schema(...args);
else if (cmd === 'figures') figures(...args);
else if (cmd === 'calendar') calendar(...args);
else {
  console.error('usage: report_check.js schema RECORD | figures FIGURES DIR | calendar ICS FIGURES');
  process.exit(2);
}

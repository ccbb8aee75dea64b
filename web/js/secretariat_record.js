// The secretariat's record section: the outcome record to download in each
// format (docs/record.md), and a meeting definition to load — checked first,
// every problem shown at its line with the line itself, then created on the
// secretariat's word, with a link to the new meeting's page.
//
// Downloads are fetched rather than followed (download.js), so that a
// refusal (the link may not, the server is busy) is told on this page
// instead of as a broken file.
// A PDF of a long meeting takes seconds: the button says so while it waits.
//
// The definition file is sent as its bytes (the server checks the UTF-8, as
// `gavel validate` does); the text is kept here only to show the lines the
// problems point at. Everything shown comes through textContent (ui.js), a
// file's lines included. The section is redrawn only when its own state or
// the language changes, so that focus stays where it was.
import { el, t, fill, onLang, currentLang } from './ui.js';
import { fetchDocument } from './download.js';

const API = '/api/v1/meetings';
const FORMATS = ['pdf', 'docx', 'odt', 'html', 'md', 'json', 'csv', 'ics'];
const MAX_BYTES = 16 * 1024 * 1024;

const ui = {
  live: null,
  busy: '',        // the format being downloaded
  note: '',        // what the download line says
  noteKind: '',    // 'ok' or 'error'
  load: null,      // {name, bytes, lines, phase, problems, summary, message, created}
  drawn: '',
  focus: null,     // data-key to focus once drawn
};

function formatLabel(f) { return t(`sec.format_${f}`); }

// Refusals in the page's language; the server's own words for the rest.
function failure(status, body, retry) {
  if (status === 403 || status === 401) return t('sec.rec_forbidden');
  if (status === 503) return t('sec.rec_busy', { s: retry || 5 });
  return t('sec.rec_failed', { msg: (body && body.message) || `HTTP ${status}` });
}

async function download(fmt) {
  if (ui.busy) return;
  ui.busy = fmt;
  ui.note = t('sec.rec_preparing', { what: formatLabel(fmt) });
  ui.noteKind = '';
  ui.focus = `dl-${fmt}`;
  draw();
  try {
    const res = await fetchDocument(ui.live.meeting, `format=${fmt}`, `${ui.live.meeting}-record.${fmt}`);
    if (!res.name) throw new Error(failure(res.status, res.body, res.retry));
    const name = res.name;
    ui.note = t('sec.rec_downloaded', { file: name });
    ui.noteKind = 'ok';
  } catch (e) {
    ui.note = e.message;
    ui.noteKind = 'error';
  }
  ui.busy = '';
  draw();
}

// ---- loading a definition -------------------------------------------------

async function send(l, dryRun) {
  const json = /\.json$/i.test(l.name);
  const r = await fetch(`${API}${dryRun ? '?dry_run=1' : ''}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': json ? 'application/json' : 'application/yaml' },
    body: l.bytes,
  });
  const body = await r.json().catch(() => null);
  return { status: r.status, body, retry: r.headers.get('retry-after') };
}

// Sends the definition of ui.load for a check or a creation, reads the answer
// into it and draws it.
async function ask(dryRun) {
  const l = ui.load;
  try {
    take(l, await send(l, dryRun), !dryRun);
  } catch (e) {
    Object.assign(l, { phase: 'failed', message: t('sec.rec_failed', { msg: e.message }) });
  }
  draw();
}

// Reads the answer of a check or a creation into l.
function take(l, res, created) {
  const b = res.body || {};
  if (res.status === 400 && Array.isArray(b.problems) && b.problems.length) {
    l.phase = 'problems';
    l.problems = b.problems;
  } else if (!created && res.status === 200 && b.valid) {
    l.phase = 'valid';
    l.summary = b.summary;
  } else if (created && res.status === 201 && b.created) {
    l.phase = 'created';
    l.created = b;
  } else {
    l.phase = 'failed';
    l.message = failure(res.status, b, res.retry);
  }
}

async function pick(file) {
  if (!file) return;
  if (file.size > MAX_BYTES) {
    ui.load = { name: file.name, phase: 'failed', message: t('sec.rec_too_big') };
    ui.focus = 'def-result';
    draw();
    return;
  }
  const bytes = await file.arrayBuffer();
  const lines = new TextDecoder('utf-8').decode(bytes).split(/\r\n|\n|\r/);
  ui.load = { name: file.name, bytes, lines, phase: 'checking', problems: [], summary: null };
  ui.focus = 'def-result';
  draw();
  await ask(true);
}

async function create() {
  const l = ui.load;
  if (!l || l.phase !== 'valid') return;
  l.phase = 'creating';
  ui.focus = 'def-result';
  draw();
  await ask(false);
}

function reset() {
  ui.load = null;
  ui.focus = 'def-file';
  draw();
}

// One problem: where, what, and the line it is on with a mark under the column.
function problemItem(p, lines) {
  const where = p.line > 0 ? t('sec.rec_at', { line: p.line, column: p.column }) : t('sec.rec_whole');
  const text = p.line > 0 && lines ? lines[p.line - 1] : undefined;
  let shown = null;
  if (text !== undefined) {
    const before = Array.from(text).slice(0, Math.max(0, p.column - 1)).map((c) => (c === '\t' ? '\t' : ' ')).join('');
    shown = el('pre', { cls: 'def-line', dir: 'ltr' },
      el('code', {}, el('span', { cls: 'def-no', 'aria-hidden': 'true' }, `${p.line} | `), text, '\n',
        el('span', { 'aria-hidden': 'true' }, `${' '.repeat(String(p.line).length + 3)}${before}^`)));
  }
  return el('li', { dataset: { line: p.line, column: p.column } },
    el('strong', {}, where), ': ', el('span', { cls: 'def-msg' }, p.message), shown);
}

// What the check or the creation came to: one sentence, said to screen
// readers as it changes (role=status), and what goes with it.
function loadSentence(l) {
  switch (l.phase) {
    case 'checking': return [t('sec.rec_checking', { file: l.name }), ''];
    case 'creating': return [t('sec.rec_creating', { file: l.name }), ''];
    case 'problems': return [t('sec.rec_problems', { file: l.name, n: l.problems.length }), 'error'];
    case 'valid': return [t('sec.rec_valid', { file: l.name }), 'notice'];
    case 'created': return [t('sec.rec_created', { title: (l.created.summary && l.created.summary.title) || l.created.meeting }), 'notice'];
    default: return [l.message || '', 'error'];
  }
}

function loadResult() {
  const l = ui.load;
  const [say, kind] = l ? loadSentence(l) : ['', ''];
  const status = el('p', { id: 'def-status', role: 'status', cls: kind || 'small' }, say);
  if (!l) return status;
  const again = el('button', { type: 'button', dataset: { key: 'def-again' }, onclick: reset }, t('sec.rec_again'));
  const box = (...kids) => el('div', { id: 'def-result', tabindex: '-1', dataset: { key: 'def-result', phase: l.phase } }, status, ...kids);
  switch (l.phase) {
    case 'checking':
    case 'creating':
      return box();
    case 'problems':
      return box(el('ol', { cls: 'plain def-problems' }, l.problems.map((p) => problemItem(p, l.lines))),
        el('div', { cls: 'actions' }, again));
    case 'valid': {
      const s = l.summary || {};
      return box(el('dl', { cls: 'def-summary' },
          el('dt', {}, t('sec.rec_title')), el('dd', {}, s.title || ''),
          el('dt', {}, t('sec.rec_id')), el('dd', { dir: 'ltr' }, s.id || ''),
          el('dt', {}, t('sec.people')), el('dd', {}, String(s.people)),
          el('dt', {}, t('sec.rec_items')), el('dd', {}, String(s.agenda_items)),
          el('dt', {}, t('sec.rec_questions')), el('dd', {}, String(s.guiding_questions))),
        el('div', { cls: 'actions' },
          el('button', { type: 'button', cls: 'primary', dataset: { key: 'def-create' }, onclick: create }, t('sec.rec_create')),
          again));
    }
    case 'created': {
      const c = l.created;
      return box(el('p', {}, el('a', { href: c.join, dataset: { key: 'def-open' } }, t('sec.rec_open'))),
        el('p', { cls: 'small' }, t('sec.rec_link')),
        el('p', {}, el('code', { cls: 'link-url', dir: 'ltr' }, c.link)),
        el('div', { cls: 'actions' }, again));
    }
    default:
      return box(el('div', { cls: 'actions' }, again));
  }
}

function loader() {
  const zone = el('div', { cls: 'dropzone', dataset: { key: 'def-drop' } },
    el('label', { for: 'def-file' }, t('sec.rec_file')),
    el('input', {
      id: 'def-file', type: 'file', accept: '.yaml,.yml,.json,application/json,application/yaml,text/yaml',
      dataset: { key: 'def-file' }, onchange: (e) => pick(e.target.files[0]),
    }),
    el('p', { cls: 'small muted' }, t('sec.rec_drop')));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer && e.dataTransfer.files.length) pick(e.dataTransfer.files[0]);
  });
  return zone;
}

function draw(force) {
  if (!ui.live) return;
  const l = ui.load;
  const key = JSON.stringify([currentLang(), ui.busy, ui.note, ui.noteKind,
    l && [l.name, l.phase, l.message, l.problems && l.problems.length, l.created && l.created.join]]);
  if (!force && key === ui.drawn) return;
  ui.drawn = key;
  fill('record',
    el('h3', {}, t('sec.rec_download')),
    el('p', { cls: 'small muted' }, t('sec.rec_download_hint')),
    el('div', { cls: 'actions' }, FORMATS.map((f) => el('button', {
      type: 'button',
      dataset: { key: `dl-${f}`, format: f },
      disabled: ui.busy !== '' && ui.busy !== f,
      'aria-busy': ui.busy === f ? 'true' : null,
      onclick: () => download(f),
    }, formatLabel(f)))),
    el('p', { id: 'record-note', role: 'status', cls: ui.noteKind === 'error' ? 'error' : ui.noteKind === 'ok' ? 'notice' : 'small' }, ui.note),
    el('h3', {}, t('sec.rec_load')),
    el('p', { cls: 'small muted' }, t('sec.rec_load_hint')),
    (!l || l.phase === 'problems' || l.phase === 'failed') ? loader() : null,
    loadResult());
  if (ui.focus) {
    const f = document.querySelector(`#record [data-key="${ui.focus}"]`);
    ui.focus = null;
    if (f) f.focus();
  }
}

export function initRecord(live) {
  ui.live = live;
  onLang(() => draw(true));
}

export function renderRecord() {
  draw(false);
}

// Downloads of the meeting's documents (the record, the Chair's summary) by
// fetch rather than by following a link, so that a refusal (the link may
// not, the server is busy, the summary is not approved) is told on the page
// instead of arriving as a broken file; the bytes then go to the browser as
// a file through an object URL.
import { el } from './ui.js';

const API = '/api/v1/meetings';

// The file name of a Content-Disposition (RFC 6266): filename* first.
export function dispositionName(h) {
  if (!h) return '';
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(h);
  if (star) {
    try { return decodeURIComponent(star[1].trim()); } catch (e) { /* the plain one, then */ }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(h);
  return plain ? plain[1] : '';
}

// Fetches /record?query of the meeting and saves it. Resolves to
// {name} once saved, or {status, body, retry} when refused.
export async function fetchDocument(meeting, query, fallbackName) {
  const r = await fetch(`${API}/${encodeURIComponent(meeting)}/record?${query}`, { credentials: 'same-origin' });
  if (!r.ok) return { status: r.status, body: await r.json().catch(() => null), retry: r.headers.get('retry-after') };
  const blob = await r.blob();
  const name = dispositionName(r.headers.get('content-disposition')) || fallbackName;
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { name };
}

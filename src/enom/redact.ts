// What the ENOM client may show of a request or response: no password in any encoding, no private
// key, and certificates / CSRs cut down so a debug log stays readable.

import { decodeXmlReferences } from '../xml-entities';

export type Redactor = (text: string) => string;

/** Every form a secret can take in what we send or receive (raw, form-encoded, XML, JSON). */
export function secretForms(secret: string): string[] {
  if (secret.length < 3) return []; // too short to scrub without mangling everything else
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
    JSON.stringify(secret).slice(1, -1),
  ]);
  // longest first, so a form containing another is replaced whole
  return [...forms].sort((a, b) => b.length - a.length);
}

export function makeRedactor(secrets: string[]): Redactor {
  const forms = secrets.flatMap(secretForms);
  const replace = (text: string) => {
    let out = text;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join('[redacted]');
    return out;
  };
  return (text) => {
    const out = replace(text);
    // A copy written with references (`P&#38;q`, `it&apos;s`, any character of it) shows in the
    // decoded text: then the decoded text, redacted, is what may be shown.
    if (!out.includes('&')) return out;
    const decoded = decodeXmlReferences(out);
    return forms.some((f) => decoded.includes(f)) ? replace(decoded) : out;
  };
}

// `[ ]` keeps the words themselves out of the code cache under var/ (see billmgr/logline.ts).
const PRIVATE_KEY_RE = /-----BEGIN ([A-Z0-9 ]*)PRIVATE[ ]KEY-----[\s\S]*?(?:-----END \1PRIVATE[ ]KEY-----|$)/g;
const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)(?:-----END \1-----|$)/g;

/** Private keys removed, other PEM blocks reduced to their first 40 characters and length. */
export function shortenPems(text: string): string {
  return text
    .replace(PRIVATE_KEY_RE, '[private key removed]')
    .replace(PEM_RE, (m: string) => `${m.slice(0, 40).replace(/\s+/g, ' ')}…[${m.length} chars]`);
}

/** The first `max` bytes-ish of a body for an error message, on one line. */
export function snippet(text: string, redact: Redactor, max = 200): string {
  const one = shortenPems(redact(text)).replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

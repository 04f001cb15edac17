// The one parser of ENOM's <interface-response> envelope. Element and attribute names are folded to
// lower case (ENOM's casing changed over the years: <certid>, <CertID>, <CertStatusid>), so every
// lookup below uses lower-case names.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EnomError, classifyApiError } from './errors';
import { type Redactor, snippet } from './redact';
import { xmlEntityDecoder } from '../xml-entities';

export type XmlNode = { [key: string]: XmlValue | undefined };
export type XmlValue = string | XmlNode | XmlValue[];

export interface Envelope {
  /** the command we sent, as we spelt it */
  command: string;
  /** the whole <interface-response>, names in lower case */
  root: XmlNode;
  /** the command's data: the root's children with those of the <command> wrapper on top */
  data: XmlNode;
  errCount: number;
  /** Err1..ErrN texts */
  errors: string[];
  /** 6-digit ResponseNumber codes */
  codes: string[];
  done: boolean;
  execTime?: number;
  server?: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  entityDecoder: xmlEntityDecoder,
  // No callback here reads the path of a value: not building it as a string for every value.
  jPath: false,
  transformTagName: (n) => n.toLowerCase(),
  transformAttributeName: (n) => n.toLowerCase(),
});

const noRedact: Redactor = (s) => s;
const DIGITS = /^\d+$/;

/** The body as text: always UTF-8 (ENOM declares utf-8; a stray charset header must not change that). */
export function decodeBody(buf: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(buf);
}

function isNode(v: XmlValue | undefined): v is XmlNode {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** An element's text ('' for an empty element, undefined when absent); the first of repeated ones. */
export function textOf(v: XmlValue | undefined): string | undefined {
  if (Array.isArray(v)) return textOf(v[0]);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  const t = v['#text'];
  return typeof t === 'string' ? t : '';
}

export function child(node: XmlValue | undefined, name: string): XmlValue | undefined {
  if (Array.isArray(node)) node = node[0];
  return isNode(node) ? node[name.toLowerCase()] : undefined;
}

/**
 * Children called `name` or `name1`, `name2`, … (ENOM uses both: <Cert> repeated in CertGetCerts,
 * <Cert1> <Cert2> in GetCerts, <Err1> in errors, <ICA1> in IntermediateCertificates), in order.
 */
export function collect(node: XmlValue | undefined, name: string): XmlValue[] {
  if (Array.isArray(node)) node = node[0];
  if (!isNode(node)) return [];
  const lc = name.toLowerCase();
  const found: { n: number; v: XmlValue }[] = [];
  for (const [k, v] of Object.entries(node)) {
    // `name` then nothing or digits (one shared pattern, not one compiled per call)
    const rest = k.startsWith(lc) ? k.slice(lc.length) : undefined;
    if (rest === undefined || (rest !== '' && !DIGITS.test(rest)) || v === undefined) continue;
    const n = rest ? Number(rest) : 0;
    for (const item of Array.isArray(v) ? v : [v]) found.push({ n, v: item });
  }
  return found.sort((a, b) => a.n - b.n).map((f) => f.v); // stable: repeated plain elements keep their order
}

function bad(command: string, message: string, text: string, redact: Redactor, httpStatus?: number): EnomError {
  const shown = text.trim() ? `: ${snippet(text, redact)}` : '';
  return new EnomError('bad_response', `ENOM ${command}: ${message}${shown}`, { command, httpStatus });
}

/**
 * Parses a body into an Envelope without judging ErrCount / Done. Throws 'bad_response' for what is
 * not an ENOM envelope at all (an ErrCount that is not a count included), 'incomplete' for an
 * envelope cut off before its end.
 */
export function readEnvelope(text: string, command: string, redact: Redactor = noRedact): Envelope {
  const body = text.replace(/^\uFEFF/, '');
  const trimmed = body.trim();
  if (!trimmed) throw bad(command, 'empty response', '', redact);
  if (/^(<!doctype\s+html|<html[\s>])/i.test(trimmed) || (!/<interface-response[\s>/]/i.test(trimmed) && /<(html|body|head)[\s>]/i.test(trimmed))) {
    throw bad(command, 'HTML page instead of an XML response', body, redact);
  }
  if (!trimmed.startsWith('<')) throw bad(command, 'response is not XML', body, redact);
  if (/<!DOCTYPE|<!ENTITY/i.test(trimmed)) throw bad(command, 'XML with a DTD is not accepted', body, redact);
  const valid = XMLValidator.validate(body);
  if (valid !== true) {
    // An envelope that starts right but does not end is a response cut off on the way: incomplete.
    if (/^(<\?xml[^>]*\?>\s*)?<interface-response[\s>]/i.test(trimmed) && !/<\/interface-response\s*>\s*$/i.test(trimmed)) {
      throw new EnomError('incomplete', `ENOM ${command}: incomplete response (cut off before </interface-response>): ${snippet(body, redact)}`, {
        command,
      });
    }
    // The validator's words quote the document (a fragment of an echoed password, which the redactor,
    // knowing only the whole, would miss): its code and the position only.
    const e = valid.err;
    const code = /^[A-Za-z]{1,40}$/.test(String(e.code)) ? e.code : 'error';
    throw bad(command, `malformed XML (${code} at line ${Number(e.line) || 0}, column ${Number(e.col) || 0})`, body, redact);
  }
  let doc: XmlNode;
  try {
    doc = parser.parse(body) as XmlNode;
  } catch {
    throw bad(command, 'XML not accepted (well-formed, but beyond the parser\'s limits)', body, redact);
  }
  const root = doc['interface-response'];
  if (root === undefined) throw bad(command, 'no <interface-response> element', body, redact);
  const rootNode: XmlNode = isNode(root) ? root : {};

  const errors = collect(child(rootNode, 'errors'), 'err')
    .map((v) => (textOf(v) ?? '').trim())
    .filter(Boolean)
    .map(redact);
  const codes: string[] = [];
  for (const r of collect(child(rootNode, 'responses'), 'response')) {
    for (const n of collect(r, 'responsenumber')) {
      const c = (textOf(n) ?? '').trim();
      if (/^\d{6}$/.test(c)) codes.push(c);
    }
  }
  // A count that is there but is not one (`-1`, `one`, empty) leaves ENOM's verdict unknown: not
  // read as 0, which would accept the answer. Absent, the listed errors (if any) decide.
  // Errors listed are ENOM's explicit refusal whatever the count says.
  const errCountText = textOf(rootNode.errcount)?.trim();
  if (errCountText !== undefined && !/^\d+$/.test(errCountText) && errors.length === 0) {
    const said = redact(errCountText);
    const shown = said.length > 40 ? `${said.slice(0, 40)}…` : said;
    throw new EnomError('bad_response', `ENOM ${command}: ErrCount is not a count: ${JSON.stringify(shown)}`, { command, field: `${command}/ErrCount` });
  }
  let errCount = errCountText === undefined || !/^\d+$/.test(errCountText) ? 0 : Number(errCountText);
  if (errCount === 0 && errors.length > 0) errCount = errors.length; // errors listed, count missing or wrong

  const wrapper = rootNode[command.toLowerCase()];
  const data: XmlNode = { ...rootNode, ...(isNode(wrapper) ? wrapper : Array.isArray(wrapper) && isNode(wrapper[0]) ? wrapper[0] : {}) };
  const execTime = Number(textOf(rootNode.exectime));

  return {
    command,
    root: rootNode,
    data,
    errCount,
    errors,
    codes,
    // enom.md §2: booleans come as True/true/1 (and False/0)
    done: /^(true|1)$/i.test((textOf(rootNode.done) ?? '').trim()),
    execTime: Number.isFinite(execTime) && textOf(rootNode.exectime) ? execTime : undefined,
    server: textOf(rootNode.server) || undefined,
  };
}

/**
 * Parses and judges a body: ENOM's refusal (ErrCount > 0) wins, since it is explicit even when the
 * trailer is missing; otherwise a response without <Done>true</Done> is incomplete.
 */
export function parseEnvelope(text: string, command: string, redact: Redactor = noRedact): Envelope {
  const env = readEnvelope(text, command, redact);
  if (env.errCount > 0) throw classifyApiError(command, env.errors, env.codes);
  if (!env.done) {
    throw new EnomError('incomplete', `ENOM ${command}: incomplete response (no <Done>true</Done>)`, { command });
  }
  return env;
}

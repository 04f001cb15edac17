// XML in from BILLmanager: stdin documents and mgrctl answers, parsed as hostile input.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { badCharReference, xmlEntityDecoder } from '../xml-entities';
import { ModuleError } from './errors';
import type { XmlNode } from './xml';

const OPTIONS = {
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
} as const;
const parser = new XMLParser(OPTIONS);
/** For a document whose values are taken as written, spaces around them included (a password). */
let untrimmed: XMLParser | undefined;

/** Characters XML 1.0 does not allow anywhere in a document. */
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * Parses a document from outside (stdin, mgrctl). Hostile by default: no DTDs (entity bombs), a size
 * cap, and well-formedness checked before the lenient parser sees it.
 */
export function parseXml(text: string, object: string, maxBytes = 1024 * 1024, opts: { keepSpaces?: boolean } = {}): XmlNode {
  if (Buffer.byteLength(text) > maxBytes) {
    throw new ModuleError('value', `${object}: XML larger than ${maxBytes} bytes`, { object, value: 'too large' });
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new ModuleError('value', `${object}: XML with a DTD is not accepted`, { object, value: 'DOCTYPE' });
  }
  // XML 1.0 allows no NUL and no other C0 control but tab, CR and LF (nor U+FFFE, U+FFFF): a value
  // carrying one would reach ENOM or BILLmanager with bytes nobody typed.
  const bad = XML_ILLEGAL.exec(text);
  if (bad) {
    const line = text.slice(0, bad.index).split('\n').length;
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new ModuleError('value', `${object}: character ${code} is not allowed in XML (line ${line})`, { object, value: `${code} at line ${line}` });
  }
  const ref = badCharReference(text);
  if (ref) {
    const line = text.slice(0, text.indexOf(ref)).split('\n').length;
    throw new ModuleError('value', `${object}: a character reference to a character XML does not allow (line ${line})`, { object, value: `character reference at line ${line}` });
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    // The validator's message quotes the document (`Tag 'ret99</password' is an invalid name` out of
    // a password): only its code and the position go out, into the error XML and the log.
    const e = valid.err;
    const code = /^[A-Za-z]{1,40}$/.test(String(e.code)) ? e.code : 'error';
    const at = `line ${Number(e.line) || 0}, column ${Number(e.col) || 0}`;
    throw new ModuleError('value', `${object}: malformed XML (${code} at ${at})`, { object, value: `malformed XML at ${at}` });
  }
  try {
    return (opts.keepSpaces ? (untrimmed ??= new XMLParser({ ...OPTIONS, trimValues: false })) : parser).parse(text) as XmlNode;
  } catch {
    // Well-formed but beyond the parser's limits (e.g. nested deeper than it accepts). The parser's
    // own message may quote the document, so it is not passed on, not even as the cause.
    throw new ModuleError('value', `${object}: XML not accepted (well-formed, but beyond the parser's limits, such as nesting depth)`, {
      object,
      value: 'not accepted',
    });
  }
}


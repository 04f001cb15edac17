// XML in from BILLmanager: stdin documents and mgrctl answers, parsed as hostile input.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ModuleError } from './errors';
import type { XmlNode } from './xml';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  htmlEntities: false,
  // No callback here reads the path of a value: not building it as a string for every value.
  jPath: false,
});

/** Characters XML 1.0 does not allow anywhere in a document. */
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * Parses a document from outside (stdin, mgrctl). Hostile by default: no DTDs (entity bombs), a size
 * cap, and well-formedness checked before the lenient parser sees it.
 */
export function parseXml(text: string, object: string, maxBytes = 1024 * 1024): XmlNode {
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
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const e = valid.err;
    throw new ModuleError('value', `${object}: malformed XML (${e.msg} at line ${e.line})`, {
      object,
      value: `malformed XML at line ${e.line}`,
    });
  }
  try {
    return parser.parse(text) as XmlNode;
  } catch (e) {
    // Well-formed but beyond the parser's limits (e.g. nested deeper than it accepts).
    throw new ModuleError('value', `${object}: XML not accepted (${e instanceof Error ? e.message : String(e)})`, { object, value: 'not accepted', cause: e });
  }
}


// XML's own references, decoded as XML defines them, for both parsers (BILLmanager's documents and
// ENOM's answers): the five named entities and numeric character references, `&#38;` and `&#x26;`.
// fast-xml-parser on its own decodes numeric references only together with all of HTML's names;
// without them a password written `P&#38;q` would reach ENOM as those eight characters, and an ENOM
// answer echoing it that way would slip past the redaction of `P&q`.

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

// One pass, so `&amp;#38;` is the text `&#38;`, as in XML.
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#[xX]([0-9a-fA-F]+));/g;

/** A code point XML 1.0 allows in a document (its production Char). */
export function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** The text with its references decoded; a reference to a character XML does not allow stays as written. */
export function decodeXmlReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (ref: string, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name) return NAMED[name]!;
    const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return isXmlChar(cp) ? String.fromCodePoint(cp) : ref;
  });
}

/**
 * The first character reference to a character XML does not allow (`&#0;`, `&#xD800;`), if any.
 * Inside CDATA and comments `&#0;` is only text, and allowed.
 */
export function badCharReference(text: string): string | undefined {
  if (!text.includes('&#')) return undefined;
  const markup = text.includes('<!') ? text.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->/g, '') : text;
  for (const m of markup.matchAll(/&#(?:([0-9]+)|[xX]([0-9a-fA-F]+));/g)) {
    const cp = m[1] !== undefined ? Number(m[1]) : parseInt(m[2]!, 16);
    if (!isXmlChar(cp)) return m[0];
  }
  return undefined;
}

/** fast-xml-parser's entityDecoder: XML's references only (documents with a DTD are refused before parsing). */
export const xmlEntityDecoder = {
  decode: decodeXmlReferences,
  setExternalEntities: (): void => {},
  addInputEntities: (): void => {},
  reset: (): void => {},
  setXmlVersion: (): void => {},
};

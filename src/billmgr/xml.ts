// XML out to BILLmanager (what we print), and reading documents parsed by ./xml-parse. Apart from
// the parser, so that a run that only prints (features, approver, any error) never loads it: the
// builder comes from fast-xml-builder, which fast-xml-parser 5 itself re-exports as its XMLBuilder
// (importing it through fast-xml-parser would load the parser along with it).
import XMLBuilder from 'fast-xml-builder';

export type XmlNode = { [key: string]: XmlValue | undefined };
export type XmlValue = string | XmlNode | XmlValue[];

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
});

export function buildXml(doc: XmlNode): string {
  return builder.build(doc) as string;
}

/** A child element's text, or undefined; an element given twice counts as its first. */
export function text(node: XmlValue | undefined, key: string): string | undefined {
  if (!node || typeof node === 'string' || Array.isArray(node)) return undefined;
  let v = node[key];
  if (Array.isArray(v)) v = v[0];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (!Array.isArray(v) && typeof v['#text'] === 'string') return v['#text'];
  return typeof v === 'object' && Object.keys(v).every((k) => k.startsWith('@_')) ? '' : undefined;
}

export function child(node: XmlValue | undefined, key: string): XmlNode | undefined {
  if (!node || typeof node === 'string' || Array.isArray(node)) return undefined;
  let v = node[key];
  if (Array.isArray(v)) v = v[0];
  if (v === '') return {};
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

export function list(v: XmlValue | undefined): XmlValue[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

// BILLmanager's XML as data: the document types and the helpers that read parsed documents. The
// parser (./xml-parse) and the builder (./xml-build) are modules of their own, each loaded only by
// the runs that need it: `features` needs neither.

export type XmlNode = { [key: string]: XmlValue | undefined };
export type XmlValue = string | XmlNode | XmlValue[];

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

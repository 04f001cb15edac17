// BILLmanager hands form commands (usercreate, tune_connection) its form XML on stdin and shows
// what comes back. We check the document, then add to it without re-serialising what we were given.
import type { Context } from '../../billmgr/context';
import { ModuleError } from '../../billmgr/errors';
import { child, type XmlNode } from '../../billmgr/xml';
import { buildXml } from '../../billmgr/xml-build';
import { parseXml } from '../../billmgr/xml-parse';

export interface Form {
  /** the document as received */
  xml: string;
  /** its root element, parsed */
  root: XmlNode;
  rootName: string;
}

export async function readForm(ctx: Context): Promise<Form> {
  const xml = (await ctx.stdin()).trim();
  if (xml === '') throw new ModuleError('missing', 'stdin is empty: BILLmanager passes the form XML', { object: 'stdin' });
  const doc = parseXml(xml, 'stdin');
  const rootName = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
  if (!rootName) throw new ModuleError('value', 'stdin: no root element', { object: 'stdin', value: 'no root' });
  // What we add goes just before the root's end: comments and processing instructions after the root
  // (which may themselves hold "</doc>") are dropped, and a document whose end we cannot find is refused.
  const form = { xml: withoutTrailingMisc(xml), root: child(doc, rootName) ?? {}, rootName };
  if (!selfClosedRoot(form).test(form.xml) && !endTag(form).test(form.xml)) {
    throw new ModuleError('value', `stdin: cannot find the end of the <${rootName}> element`, { object: 'stdin', value: 'no root end' });
  }
  return form;
}

/** The document without the white space, comments and processing instructions after its root element. */
function withoutTrailingMisc(xml: string): string {
  let end = xml.length;
  for (;;) {
    while (end > 0 && /\s/.test(xml[end - 1]!)) end--;
    const start = xml.endsWith('-->', end) ? xml.lastIndexOf('<!--', end - 7) : xml.endsWith('?>', end) ? xml.lastIndexOf('<?', end - 4) : -1;
    if (start <= 0) return xml.slice(0, end);
    end = start;
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const selfClosedRoot = (f: Form) => new RegExp(`<${escapeRe(f.rootName)}(\\s[^>]*)?/>$`);
const endTag = (f: Form) => new RegExp(`</${escapeRe(f.rootName)}\\s*>$`);

/** Appends elements at the end of the root element. */
export function append(form: Form, add: XmlNode): string {
  const extra = buildXml(add);
  const selfClosed = selfClosedRoot(form);
  if (selfClosed.test(form.xml)) return form.xml.replace(selfClosed, (_m, attrs: string | undefined) => `<${form.rootName}${attrs ?? ''}>${extra}</${form.rootName}>`);
  const end = endTag(form).exec(form.xml)!.index;
  return `${form.xml.slice(0, end)}${extra}${form.xml.slice(end)}`;
}

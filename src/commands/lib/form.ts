// BILLmanager hands form commands (usercreate, tune_connection) its form XML on stdin and shows
// what comes back. We check the document, then add to it without re-serialising what we were given.
import type { Context } from '../../billmgr/context';
import { ModuleError } from '../../billmgr/errors';
import { buildXml, child, parseXml, type XmlNode } from '../../billmgr/xml';

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
  return { xml, root: child(doc, rootName) ?? {}, rootName };
}

/** Appends elements at the end of the root element. */
export function append(form: Form, add: XmlNode): string {
  const extra = buildXml(add);
  const selfClosed = new RegExp(`<${form.rootName}(\\s[^>]*)?/>\\s*$`);
  if (selfClosed.test(form.xml)) return form.xml.replace(selfClosed, (_m, attrs: string | undefined) => `<${form.rootName}${attrs ?? ''}>${extra}</${form.rootName}>`);
  const end = form.xml.lastIndexOf(`</${form.rootName}>`);
  return `${form.xml.slice(0, end)}${extra}${form.xml.slice(end)}`;
}

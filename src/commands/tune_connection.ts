// `tune_connection`: BILLmanager lets the module adjust the connection form before showing it. We
// fill in ENOM's live API URL when the field is empty and offer the test host as the other choice.
import type { Context } from '../billmgr/context';
import { text } from '../billmgr/xml';
import { append, readForm } from './lib/form';

export const description = 'echo the connection form from stdin, prefilling the ENOM API URL';

export const LIVE_URL = 'https://reseller.enom.com/interface.asp';
export const TEST_URL = 'https://resellertest.enom.com/interface.asp';

export async function run(ctx: Context): Promise<string> {
  const form = await readForm(ctx);
  const url = text(form.root, 'url');
  let xml = form.xml;
  const choices = { slist: { '@_name': 'url', val: [{ '@_key': LIVE_URL, '#text': LIVE_URL }, { '@_key': TEST_URL, '#text': TEST_URL }] } };
  if (url === undefined) xml = append(form, { url: LIVE_URL, ...choices });
  else {
    if (url.trim() === '') {
      const filled = fillEmptyUrl(xml);
      if (filled === undefined) ctx.log.warn('the form holds more than one empty <url>: the API URL is left for the admin to choose');
      else xml = filled;
    }
    xml = append({ ...form, xml }, choices);
  }
  return xml;
}

// An empty <url> element (<url/>, <url></url>, <url><![CDATA[]]></url>); comments and CDATA sections
// are passed over whole, so that nothing inside them counts as an element.
const EMPTY_URL = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<url(\s[^>]*)?(?:\/>|>\s*(?:<!\[CDATA\[\s*\]\]>\s*)?<\/url>)/g;

/**
 * The form with the live URL in its empty <url>, the one the parser found under the root; undefined
 * when there is more than one, as the text alone cannot tell which is the root's.
 */
function fillEmptyUrl(xml: string): string | undefined {
  const found = [...xml.matchAll(EMPTY_URL)].filter((m) => !m[0].startsWith('<!'));
  if (found.length !== 1) return undefined;
  const m = found[0]!;
  return `${xml.slice(0, m.index)}<url${m[1] ?? ''}>${LIVE_URL}</url>${xml.slice(m.index + m[0].length)}`;
}

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
    if (url.trim() === '') xml = xml.replace(/<url(\s[^>]*)?(\/>|>\s*<\/url>)/, `<url$1>${LIVE_URL}</url>`);
    xml = append({ ...form, xml }, choices);
  }
  return xml;
}

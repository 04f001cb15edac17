// `approver --module ID --domain D[,D2…] [--intname X]`: the approver addresses for domain control
// validation by e-mail. Every CA behind ENOM accepts the five generic mailboxes at the domain or any
// parent of it down to the registrable domain, so this needs no ENOM call and answers at once.
import { domainToASCII } from 'node:url';
// tldts-experimental: tldts's own API and public-suffix list, stored as packed hashes instead of a
// trie built at load: ~15 ms less for every approver run (docs/bench.md).
import { getDomain } from 'tldts-experimental';
import type { Context } from '../billmgr/context';
import { badValue } from '../billmgr/errors';
import type { XmlNode } from '../billmgr/xml';
import { buildXml } from '../billmgr/xml-build';
import { findProduct } from '../products';

export const description = 'list the approver e-mail addresses for one or more domains (no ENOM call)';

const MAILBOXES = ['admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster'];
const MAX_DOMAINS = 100;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** admin@a.b.example.com … webmaster@example.com, most specific domain first. */
export function approverEmails(raw: string): string[] {
  const given = raw.trim().toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
  // IDNs: the CA mails the ASCII (punycode) form.
  const domain = domainToASCII(given);
  if (!domain || domain.length > 253 || !domain.split('.').every((l) => LABEL.test(l))) {
    throw badValue('domain', raw.slice(0, 255), `"${raw.slice(0, 255)}" is not a domain name`);
  }
  const registrable = getDomain(domain, { allowPrivateDomains: false });
  if (!registrable || /^[0-9.]+$/.test(domain)) {
    throw badValue('domain', raw.slice(0, 255), `"${raw.slice(0, 255)}" has no registrable domain (is it a public suffix or an IP address?)`);
  }
  const levels: string[] = [];
  for (let d = domain; ; d = d.slice(d.indexOf('.') + 1)) {
    levels.push(d);
    if (d === registrable) break;
  }
  return levels.flatMap((d) => MAILBOXES.map((m) => `${m}@${d}`));
}

export async function run(ctx: Context): Promise<string> {
  const { domain = '', intname } = ctx.opts;
  if (intname && !findProduct(intname)) ctx.log.warn({ intname }, 'unknown product; listing the generic approvers');
  const domains = [...new Set(domain.split(',').map((d) => d.trim()).filter(Boolean))];
  if (domains.length === 0) throw badValue('domain', domain.slice(0, 255), 'no domain given');
  if (domains.length > MAX_DOMAINS) throw badValue('domain', String(domains.length), `at most ${MAX_DOMAINS} domains at once`);
  const approvers = (d: string): XmlNode => ({ approver: approverEmails(d) });
  const doc: XmlNode =
    domains.length === 1 ? approvers(domains[0]!) : { domain: domains.map((d) => ({ '@_name': d, ...approvers(d) })) };
  ctx.log.debug({ domains: domains.length }, 'approver addresses listed');
  return buildXml({ doc });
}

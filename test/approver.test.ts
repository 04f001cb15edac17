// `approver`: generic approver mailboxes per domain, public-suffix aware, no ENOM call, no database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { createRig, parseErrorXml, type Rig } from './support/rig';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['approver', 'domain'].includes(n) });
const BOXES = ['admin', 'administrator', 'hostmaster', 'postmaster', 'webmaster'];
const at = (...domains: string[]) => domains.flatMap((d) => BOXES.map((b) => `${b}@${d}`));

let rig: Rig;
before(async () => {
  rig = await createRig();
});
after(async () => rig?.close());

async function approvers(domain: string, extra: string[] = []) {
  rig.clearCalls();
  const r = await rig.run(['--command', 'approver', '--module', '1', '--domain', domain, ...extra]);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(rig.calls(), [], 'approver needs neither mgrctl nor the database');
  return parser.parse(r.stdout).doc;
}

describe('approver', () => {
  it('lists the five mailboxes at the domain and every parent down to the registrable domain', async () => {
    assert.deepEqual((await approvers('shop.example.com')).approver, at('shop.example.com', 'example.com'));
  });

  it('knows multi-label public suffixes instead of counting dots', async () => {
    assert.deepEqual((await approvers('a.b.example.co.uk')).approver, at('a.b.example.co.uk', 'b.example.co.uk', 'example.co.uk'));
    assert.deepEqual((await approvers('example.com.au')).approver, at('example.com.au'));
  });

  it('strips the wildcard label and mails IDNs at their ASCII form', async () => {
    assert.deepEqual((await approvers('*.Example.COM')).approver, at('example.com'));
    assert.deepEqual((await approvers('пример.рф')).approver, at('xn--e1afmkfd.xn--p1ai'));
  });

  it('groups several comma-separated domains per <domain name=…>', async () => {
    const doc = await approvers('example.com, www.example.org', ['--intname', 'certificate-comodo-ucc-dv']);
    assert.deepEqual(
      doc.domain.map((d: { name: string; approver: string[] }) => [d.name, d.approver]),
      [
        ['example.com', at('example.com')],
        ['www.example.org', at('www.example.org', 'example.org')],
      ],
    );
  });

  it('reads no stdin (BILLmanager may pass a CSR) and does not wait for it', async () => {
    const r = await rig.run(['--command', 'approver', '--module', '1', '--domain', 'example.com'], { stdin: '-----BEGIN CERTIFICATE REQUEST-----\n' });
    assert.equal(r.code, 0);
  });

  for (const bad of ['co.uk', '192.0.2.1', 'bad..example.com', '-x.example.com', 'exa mple.com', "x'); DROP TABLE item;--.com", 'a'.repeat(300) + '.com', ',']) {
    it(`refuses "${bad.slice(0, 30)}" naming the domain`, async () => {
      const r = await rig.run(['--command', 'approver', '--module', '1', '--domain', bad]);
      assert.equal(r.code, 1);
      const e = parseErrorXml(r.stdout);
      assert.equal(e?.type, 'value');
      assert.equal(e?.object, 'domain');
    });
  }
});

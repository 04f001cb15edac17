// The certificate's life, end to end: the built binary, a real MariaDB, the fake mgrctl and the ENOM
// simulator. Each test names the ENOM and mgrctl call sequences it expects.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { makeCsr, startEnomSim, STATUS_TEXT, type EnomSim } from './support/enom-sim';
import { createRig, parseErrorXml, type Rig } from './support/rig';
import { CONTACT } from './support/order';

const PW = 'S3cr3t-Pa55&word';
let rig: Rig;
let sim: EnomSim;
let moduleId: number;

before(async () => {
  [rig, sim] = await Promise.all([createRig(), startEnomSim({ uid: 'reseller1', pw: PW, balance: 5000 })]);
  moduleId = await rig.addModule({ url: sim.url, username: 'reseller1', password: PW });
});
after(async () => {
  await sim?.close();
  await rig?.close();
});


async function certItem(pricelist: string, cn: string, params: Record<string, string> = {}, sans: string[] = []) {
  const { csr } = makeCsr(cn, { sans });
  return rig.addItem({ pricelist, module: moduleId, csr, params: { ...CONTACT, approver_method: 'auth_email', ...params } });
}

/** Runs a command, recording the ENOM commands and mgrctl functions it caused. */
async function run(command: string, item: number, extra: string[] = []) {
  rig.clearCalls();
  const n = sim.requests.length;
  const r = await rig.run(['--command', command, '--item', String(item), ...extra]);
  return { ...r, enom: sim.requests.slice(n).map((q) => q.command), mgr: rig.calls().map((c) => c.func), calls: rig.calls(), requests: sim.requests.slice(n) };
}

/** Runs a command while BILLmanager's mgrctl fails one function (exits non-zero). */
async function runFailing(func: string, command: string, item: number, extra: string[] = []) {
  rig.setMgrctl({ fail: { [func]: 'exit' } });
  return run(command, item, extra).finally(() => rig.setMgrctl({ fail: {} }));
}

/** A certificate ordered through open, then issued or rejected by the CA. */
async function decided(how: 'issue' | 'reject', pricelist: string, cn: string): Promise<number> {
  const item = await certItem(pricelist, cn, { approver_email: 'admin@example.com' });
  ok(await run('open', item));
  sim[how](Number((await params(item)).enom_certid));
  return item;
}

/** A RapidSSL certificate issued and handed over to BILLmanager: what a reopen starts from. */
async function handedOver(cn: string): Promise<{ item: number; certId: number }> {
  const item = await decided('issue', 'certificate-rapidssl-rapidssl', cn);
  ok(await run('sync_item', item));
  return { item, certId: Number((await params(item)).enom_certid) };
}

/** The customer's new CSR for the item, as BILLmanager keeps it; its text. */
async function newCsr(item: number, cn: string): Promise<string> {
  const { csr } = makeCsr(cn);
  await rig.db.query('UPDATE certificate SET csr = ? WHERE item = ?', [csr, item]);
  return csr;
}

async function params(item: number): Promise<Record<string, string>> {
  const [rows] = (await rig.db.query('SELECT intname, value FROM itemparam WHERE item = ?', [item])) as unknown as [{ intname: string; value: string }[]];
  return Object.fromEntries(rows.map((r) => [r.intname, r.value]));
}

const ok = (r: { code: number | null; stdout: string }) => assert.equal(r.code, 0, r.stdout);
const purchases = () => sim.requestsFor('PurchaseServices').length;

describe('open', () => {
  it('RapidSSL by e-mail: buys once, configures, submits, tells BILLmanager', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'www.example.com', { approver_email: 'admin@example.com' });
    const r = await run('open', item);
    ok(r);
    assert.deepEqual(r.enom, ['PurchaseServices', 'CertGetCertDetail', 'CertConfigureCert', 'CertPurchaseCert']);
    assert.deepEqual(r.mgr, ['paramlist', 'service.saveparam', 'service.saveparam', 'service.setstatus', 'service.postopen']);
    const p = await params(item);
    const cert = sim.state.certs.get(Number(p.enom_certid))!;
    assert.ok(cert, 'enom_certid names the certificate ENOM sold');
    assert.equal(p.enom_orderid, String(cert.orderId));
    assert.equal(p.service_status, '3');
    assert.equal(cert.statusId, 2);
    assert.equal(cert.approverEmail, 'admin@example.com');
    assert.equal(cert.webServerType, '18');
    assert.equal(cert.contacts.AdminPhone, '+7.4951234567');
    assert.equal(cert.contacts.AdminCountry, 'US');
    const purchase = r.requests[0]!;
    assert.equal(purchase.params.Service, 'certificate-rapidssl-rapidssl');
    assert.equal(purchase.params.NumYears, '1');
  });

  it('RapidSSL by DNS: DVAuthMethod=DNS and the TXT record saved for the customer', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'dns.example.com', { approver_method: 'auth_dnstxt' });
    const r = await run('open', item);
    ok(r);
    assert.equal(r.requests.find((q) => q.command === 'CertPurchaseCert')!.params.DVAuthMethod, 'DNS');
    const p = await params(item);
    const cert = sim.state.certs.get(Number(p.enom_certid))!;
    assert.equal(p.enom_dcv_dns_entry, cert.dnsAuthEntry);
    assert.equal(p.enom_dcv_dns_address, cert.dnsAuthAddress);
  });

  it('Comodo wildcard: *. common name, web server type 1000, Approval Email Sent', async () => {
    const item = await certItem('certificate-comodo-essential-wildcard', '*.example.net', { approver_email: 'hostmaster@example.net' });
    ok(await run('open', item));
    const cert = sim.state.certs.get(Number((await params(item)).enom_certid))!;
    assert.equal(cert.domainName, '*.example.net');
    assert.equal(cert.webServerType, '1000');
    assert.equal(cert.statusId, 9);
  });

  it('UCC with three SANs: the domain list and one approver per domain', async () => {
    const sans = ['shop.example.org', 'example.net', 'mail.example.info'];
    const item = await certItem('certificate-comodo-ucc-dv', 'example.org', {
      altname: sans.join(' '),
      approver_email: 'admin@example.org,webmaster@example.org,admin@example.net,postmaster@example.info',
    }, sans);
    const r = await run('open', item);
    ok(r);
    const conf = r.requests.find((q) => q.command === 'CertConfigureCert')!.params;
    assert.equal(conf.DomainListNumber, '4');
    assert.deepEqual([1, 2, 3, 4].map((i) => conf[`UCCDomainList${i}`]), ['example.org', ...sans]);
    const buy = r.requests.find((q) => q.command === 'CertPurchaseCert')!.params;
    assert.deepEqual([1, 2, 3, 4].map((i) => buy[`UCCEmailList${i}`]), ['admin@example.org', 'webmaster@example.org', 'admin@example.net', 'postmaster@example.info']);
  });

  const refusals: [string, string, string, Record<string, string>, string, string][] = [
    ['an OV order without org_name', 'certificate-comodo-instant', 'www.example.com', { approver_email: 'admin@example.com' }, 'missing', 'org_name'],
    ['a wildcard product with a plain CN', 'certificate-rapidssl-rapidssl-wildcard', 'www.example.com', { approver_email: 'admin@example.com' }, 'value', 'csr'],
    ['a plain product with a wildcard CN', 'certificate-rapidssl-rapidssl', '*.example.com', { approver_email: 'admin@example.com' }, 'value', 'csr'],
    ['an approver on another domain', 'certificate-rapidssl-rapidssl', 'www.example.com', { approver_email: 'admin@evil.com' }, 'value', 'approver_email'],
    ['no approver', 'certificate-rapidssl-rapidssl', 'www.example.com', {}, 'missing', 'approver_email'],
    ['SANs on a single-domain product', 'certificate-rapidssl-rapidssl', 'www.example.com', { approver_email: 'admin@example.com', altname: 'other.example.com' }, 'value', 'altname'],
    ['DNS validation on Comodo', 'certificate-comodo-essential', 'www.example.com', { approver_method: 'auth_dnstxt' }, 'value', 'approver_method'],
    ['no admin e-mail', 'certificate-rapidssl-rapidssl', 'www.example.com', { approver_email: 'admin@example.com', adm_email: '' }, 'missing', 'adm_email'],
    ['no postal code', 'certificate-rapidssl-rapidssl', 'www.example.com', { approver_email: 'admin@example.com', org_postcode: '' }, 'missing', 'org_postcode'],
    ['a tariff that is no ENOM product', 'certificate-acme-free', 'www.example.com', { approver_email: 'admin@example.com' }, 'value', 'pricelist'],
  ];
  for (const [name, pricelist, cn, p, type, object] of refusals) {
    it(`refuses ${name} before any ENOM call`, async () => {
      const item = await certItem(pricelist, cn, p);
      const r = await run('open', item);
      assert.equal(r.code, 1);
      const e = parseErrorXml(r.stdout);
      assert.equal(e?.type, type, r.stdout);
      assert.equal(e?.object, object, r.stdout);
      assert.deepEqual(r.enom, [], 'nothing may reach ENOM');
    });
  }

  it('refuses a garbage CSR and a missing CSR before any ENOM call', async () => {
    const garbage = await rig.addItem({ pricelist: 'certificate-rapidssl-rapidssl', module: moduleId, csr: '-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n-----END CERTIFICATE REQUEST-----', params: { ...CONTACT, approver_email: 'admin@example.com' } });
    const r1 = await run('open', garbage);
    assert.equal(parseErrorXml(r1.stdout)?.object, 'csr');
    const none = await rig.addItem({ pricelist: 'certificate-rapidssl-rapidssl', module: moduleId, params: { ...CONTACT, approver_email: 'admin@example.com' } });
    const r2 = await run('open', none);
    assert.equal(parseErrorXml(r2.stdout)?.type, 'missing');
    assert.deepEqual([...r1.enom, ...r2.enom], []);
  });

  it('a second open of the same item continues instead of buying again', async () => {
    const item = await certItem('certificate-geotrust-quickssl', 'again.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const bought = purchases();
    const r = await run('open', item);
    ok(r);
    assert.equal(purchases(), bought);
    assert.deepEqual(r.enom, ['CertGetCertDetail']);
  });
});

describe('sync_item', () => {
  it('pending → issued: certificate with its chain, expiry, status 5, certificate.open exactly once over two syncs', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'sync.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const certId = Number((await params(item)).enom_certid);

    const pending = await run('sync_item', item);
    ok(pending);
    assert.deepEqual(pending.enom, ['CertGetCertDetail']);
    assert.deepEqual(pending.calls.slice(1), [{ func: 'service.setstatus', params: { elid: String(item), service_status: '4', sok: 'ok' } }]);
    const still = await run('sync_item', item);
    assert.deepEqual(still.mgr, ['paramlist'], 'status set only when it changed');

    const cert = sim.issue(certId);
    const issued = await run('sync_item', item);
    ok(issued);
    assert.deepEqual(issued.mgr, ['paramlist', 'certificate.save', 'service.setexpiredate', 'certificate.open', 'service.setstatus']);
    const crt = issued.calls.find((c) => c.func === 'certificate.save')!.params.crt!;
    const pems = crt.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    assert.ok(pems.length >= 2, 'leaf followed by the CA chain');
    const leaf = new X509Certificate(pems[0]!);
    assert.match(leaf.subject, /CN=sync\.example\.com/);
    assert.ok(leaf.checkIssued(new X509Certificate(pems[1]!)), 'the chain starts with the leaf issuer');
    const expected = cert.expirationDate!.toISOString().slice(0, 10);
    assert.deepEqual(issued.calls.find((c) => c.func === 'service.setexpiredate')!.params, { elid: String(item), expiredate: expected, sok: 'ok' });
    const [[row]] = (await rig.db.query("SELECT DATE_FORMAT(i.expiredate, '%Y-%m-%d') AS expiredate, c.crt FROM item i JOIN certificate c ON c.item = i.id WHERE i.id = ?", [item])) as unknown as [{ expiredate: string; crt: string }[]];
    assert.equal(row!.expiredate, expected);
    assert.equal(row!.crt, crt);

    const again = await run('sync_item', item);
    ok(again);
    assert.deepEqual(again.mgr, ['paramlist'], 'nothing twice, certificate.open above all');
  });

  it('a failed certificate.save: nothing announced, status unchanged; the next sync saves and announces once', async () => {
    const item = await decided('issue', 'certificate-rapidssl-rapidssl', 'save-fails.example.com');
    const failed = await runFailing('certificate.save', 'sync_item', item);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stdout, /<error type="billmgr"/);
    assert.match(failed.stdout, /certificate\.save/);
    assert.deepEqual(failed.mgr, ['paramlist', 'certificate.save'], 'nothing after the failed save');
    assert.notEqual((await params(item)).service_status, '5');

    const retried = await run('sync_item', item);
    ok(retried);
    assert.deepEqual(retried.mgr.slice(3), ['certificate.open', 'service.setstatus']);
    assert.deepEqual((await run('sync_item', item)).mgr, ['paramlist']);
  });

  it('ends its database connection with a clean QUIT, without waiting for it: no aborted client, the item lock freed', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'quit.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const aborted = async () => {
      const [rows] = (await rig.db.query("SHOW GLOBAL STATUS LIKE 'Aborted_clients'")) as unknown as [{ Value: string }[]];
      return Number(rows[0]!.Value);
    };
    const before = await aborted();
    for (let i = 0; i < 3; i++) ok(await run('sync_item', item));
    // The server reads the QUIT a moment after the process is gone: the lock is free within a second.
    const lockFree = async () => {
      const [rows] = (await rig.db.query("SELECT IS_FREE_LOCK(LEFT(CONCAT('pmenomssl:', ?, ':', 'billmgr'), 64)) AS free", [`item-${item}`])) as unknown as [{ free: number }[]];
      return Number(rows[0]!.free) === 1;
    };
    for (let i = 0; i < 50 && !(await lockFree()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(await lockFree(), 'the item lock is not left held');
    assert.equal(await aborted(), before, 'every run sent COM_QUIT (MariaDB counts a dropped connection as an aborted client)');
  });

  it("the item's processing module wins over --module; --module stands in for an item that names none", async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'module.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    // The item's own module, whatever --module says.
    ok(await run('sync_item', item, ['--module', '1999999']));
    await rig.db.query('UPDATE item SET processingmodule = NULL WHERE id = ?', [item]);
    const none = await run('sync_item', item);
    assert.notEqual(none.code, 0);
    assert.match(none.stdout, /<error type="missing" object="processingmodule"/);
    const missing = await run('sync_item', item, ['--module', '1999999']);
    assert.match(missing.stdout, /<error type="value" object="module"/);
    const stood = await run('sync_item', item, ['--module', String(moduleId)]);
    ok(stood);
    assert.deepEqual(stood.enom, ['CertGetCertDetail']);
  });

  it('rejected → certificate.failed and status 6, once', async () => {
    const item = await certItem('certificate-comodo-essential', 'reject.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    sim.reject(Number((await params(item)).enom_certid));
    const r = await run('sync_item', item);
    ok(r);
    assert.deepEqual(r.calls.slice(1), [
      { func: 'certificate.failed', params: { elid: String(item), sok: 'ok' } },
      { func: 'service.setstatus', params: { elid: String(item), service_status: '6', sok: 'ok' } },
    ]);
    assert.deepEqual((await run('sync_item', item)).mgr, ['paramlist']);
  });

  it('a failed certificate.failed is told again by the next sync: BILLmanager hears of the rejection', async () => {
    const item = await decided('reject', 'certificate-comodo-essential', 'reject-fails.example.com');
    const failed = await runFailing('certificate.failed', 'sync_item', item);
    assert.equal(failed.code, 1);
    assert.notEqual((await params(item)).service_status, '6', 'the status waits for BILLmanager to have heard');
    const retried = await run('sync_item', item);
    ok(retried);
    assert.deepEqual(retried.mgr, ['paramlist', 'certificate.failed', 'service.setstatus']);
  });

  it('certificate.failed once per certificate: a status that failed to save is saved without telling BILLmanager again', async () => {
    const item = await decided('reject', 'certificate-comodo-essential', 'reject-status.example.com');
    const failed = await runFailing('service.setstatus', 'sync_item', item);
    assert.equal(failed.code, 1);
    assert.deepEqual(failed.mgr, ['paramlist', 'certificate.failed', 'service.setstatus']);
    const retried = await run('sync_item', item);
    ok(retried);
    assert.deepEqual(retried.mgr, ['paramlist', 'service.setstatus']);
    assert.equal((await params(item)).service_status, '6');
    // open run again after the rejection leaves it at 6
    ok(await run('open', item));
    assert.equal((await params(item)).service_status, '6');
  });

  it('refunded → failed as well', async () => {
    const item = await certItem('certificate-comodo-essential', 'refund.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    sim.refund(Number((await params(item)).enom_certid));
    const r = await run('sync_item', item);
    assert.deepEqual(r.mgr, ['paramlist', 'certificate.failed', 'service.setstatus']);
  });

  it('refunded after issue (ENOM status 8): certificate.failed and status 6, though it was issued', async () => {
    const item = await decided('issue', 'certificate-rapidssl-rapidssl', 'refund-issued.example.com');
    ok(await run('sync_item', item));
    assert.equal((await params(item)).service_status, '5');
    assert.equal(sim.refund(Number((await params(item)).enom_certid)).statusId, 8);
    const r = await run('sync_item', item);
    ok(r);
    assert.deepEqual(r.calls.slice(1), [
      { func: 'certificate.failed', params: { elid: String(item), sok: 'ok' } },
      { func: 'service.setstatus', params: { elid: String(item), service_status: '6', sok: 'ok' } },
    ]);
    assert.equal((await params(item)).service_status, '6');
  });

  it('an id outside ENOM\'s table whose text says issued, without a certificate: not "issued" in BILLmanager', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'oddstatus.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const cert = sim.state.certs.get(Number((await params(item)).enom_certid))!;
    const was = STATUS_TEXT[5];
    cert.statusId = 5; // "no longer used" (enom.md §4)
    STATUS_TEXT[5] = 'Certificate Issued';
    try {
      const r = await run('sync_item', item);
      ok(r);
      assert.deepEqual(r.mgr, ['paramlist'], 'no status 5 without the certificate saved');
      assert.notEqual((await params(item)).service_status, '5');
    } finally {
      if (was === undefined) delete STATUS_TEXT[5];
      else STATUS_TEXT[5] = was;
    }
  });

  it("a close whose postclose failed (the service not closed yet in BILLmanager): its withdrawn order is not submitted again", async () => {
    const item = await certItem('certificate-geotrust-quickssl', 'closing.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const closing = await runFailing('service.postclose', 'close', item);
    assert.equal(closing.code, 1);
    const certId = Number((await params(item)).enom_certid);
    assert.equal(sim.state.certs.get(certId)!.statusId, 1, 'withdrawn at ENOM');
    const r = await run('sync_item', item);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail']);
    assert.equal(sim.state.certs.get(certId)!.statusId, 1);
  });

  it('a close that cannot note itself under var/ withdraws nothing and says so', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const item = await certItem('certificate-geotrust-quickssl', 'closenote.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const certId = Number((await params(item)).enom_certid);
    const blocker = path.join(rig.root, 'var', 'pmenomssl', `closed-${item}-${certId}`);
    fs.mkdirSync(blocker); // the marker's place taken by a directory: it cannot be written
    try {
      const r = await run('close', item);
      assert.equal(r.code, 1);
      const e = parseErrorXml(r.stdout);
      assert.equal(e?.type, 'billmgr');
      assert.equal(e?.object, 'var');
      assert.deepEqual(r.enom, ['CertGetCertDetail'], 'no CertModifyOrder');
      assert.ok(!r.mgr.includes('service.postclose'));
      assert.notEqual(sim.state.certs.get(certId)!.statusId, 1, 'not withdrawn');
    } finally {
      fs.rmSync(blocker, { recursive: true, force: true });
    }
  });

  it('the file or DNS token an interrupted open did not save is saved by the next sync', async () => {
    const item = await certItem('certificate-geotrust-quickssl', 'token.example.com', { approver_method: 'auth_file' });
    ok(await run('open', item));
    const saved = await params(item);
    assert.ok(saved.enom_dcv_file_name && saved.enom_dcv_file_contents, 'open saved the tokens');
    await rig.db.query("DELETE FROM itemparam WHERE item = ? AND intname LIKE 'enom_dcv_%'", [item]);
    const r = await run('sync_item', item);
    ok(r);
    const p = await params(item);
    assert.equal(p.enom_dcv_file_name, saved.enom_dcv_file_name);
    assert.equal(p.enom_dcv_file_contents, saved.enom_dcv_file_contents);
    assert.deepEqual((await run('sync_item', item)).mgr, ['paramlist'], 'and only once');
  });

  it('a closed service\'s withdrawn order (back at status 1) is not submitted again: the item status alone says so', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const item = await certItem('certificate-geotrust-quickssl', 'closed.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    ok(await run('close', item));
    const certId = Number((await params(item)).enom_certid);
    assert.equal(sim.state.certs.get(certId)!.statusId, 1, 'withdrawn at ENOM');
    await rig.db.query('UPDATE item SET status = 4 WHERE id = ?', [item]);
    // Without close's note (var/ lost, or a close made before there was one): BILLmanager's status 4
    // (deleted) must be enough. The note alone is the test above.
    const note = path.join(rig.root, 'var', 'pmenomssl', `closed-${item}-${certId}`);
    assert.ok(fs.existsSync(note), 'close left its note');
    fs.rmSync(note);
    const r = await run('sync_item', item);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail']);
    assert.equal(sim.state.certs.get(certId)!.statusId, 1);
  });

  it('an item bought but never configured (status 1 at ENOM) is configured and submitted', async () => {
    const item = await certItem('certificate-geotrust-quickssl', 'half.example.com', { approver_email: 'admin@example.com' });
    sim.fail('CertConfigureCert', 'bad_csr', { times: 1 });
    const first = await run('open', item);
    assert.equal(first.code, 1);
    assert.equal(parseErrorXml(first.stdout)?.type, 'api_error');
    assert.ok((await params(item)).enom_certid, 'the CertID is kept even though configuring failed');
    const r = await run('sync_item', item);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail', 'CertConfigureCert', 'CertPurchaseCert', 'CertGetCertDetail']);
    assert.equal(sim.state.certs.get(Number((await params(item)).enom_certid))!.statusId, 2);
  });

  it('an item never ordered has nothing to sync', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'never.example.com', { approver_email: 'admin@example.com' });
    const r = await run('sync_item', item);
    ok(r);
    assert.deepEqual(r.enom, []);
  });
});

describe('reopen (reissue)', () => {
  it('RapidSSL: CertReissueCert with the current CSR, postreopen, status 3', async () => {
    const { item } = await handedOver('reissue.example.com');
    const csr = await newCsr(item, 'reissue.example.com');
    const r = await run('reopen', item);
    ok(r);
    assert.deepEqual(r.enom, ['CertReissueCert']);
    assert.equal(r.requests[0]!.params.CSR, csr);
    assert.deepEqual(r.mgr, ['paramlist', 'service.setstatus', 'service.postreopen']);
  });

  it('the reissued certificate is saved and dated, not announced a second time (certificate.open: the first time only)', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'reissue-once.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const certId = Number((await params(item)).enom_certid);
    sim.issue(certId);
    const first = await run('sync_item', item);
    assert.deepEqual(first.mgr, ['paramlist', 'certificate.save', 'service.setexpiredate', 'certificate.open', 'service.setstatus']);
    ok(await run('reopen', item));
    assert.equal((await params(item)).service_status, '3');
    sim.issue(certId);
    const reissued = await run('sync_item', item);
    ok(reissued);
    assert.deepEqual(reissued.mgr, ['paramlist', 'certificate.save', 'service.setexpiredate', 'service.setstatus']);
    assert.equal((await params(item)).service_status, '5');
  });

  it('a retry after BILLmanager missed the answer does not ask ENOM again; after the hand-over, the same CSR is a new reissue', async () => {
    const { item, certId } = await handedOver('reissue-retry.example.com');
    await newCsr(item, 'reissue-retry.example.com');
    const earlier = sim.requestsFor('CertReissueCert').length;
    const reissues = () => sim.requestsFor('CertReissueCert').length - earlier;

    const failed = await runFailing('service.postreopen', 'reopen', item);
    assert.equal(failed.code, 1, failed.stdout);
    assert.equal(reissues(), 1);
    const retry = await run('reopen', item);
    ok(retry);
    assert.deepEqual(retry.enom, ['CertGetCertDetail'], 'the reissue under way (ENOM says Processing) is not requested again');
    // (status 3 was saved by the first run; only what BILLmanager missed is sent)
    assert.deepEqual(retry.mgr, ['paramlist', 'service.postreopen']);
    assert.equal((await params(item)).service_status, '3');

    // the reissued certificate handed over, the customer asks again with the very same CSR
    sim.issue(certId);
    ok(await run('sync_item', item));
    const again = await run('reopen', item);
    ok(again);
    assert.deepEqual(again.enom, ['CertReissueCert']);
    assert.equal(reissues(), 2);
  });

  it('a note of a reissue that is no longer under way does not stop a new one (the CA refused it; ENOM finished it)', async () => {
    const { item, certId } = await handedOver('reissue-stale.example.com');
    await newCsr(item, 'reissue-stale.example.com');
    // refused by the CA: the sync that reports it ends the note
    ok(await run('reopen', item));
    sim.reject(certId);
    ok(await run('sync_item', item));
    assert.equal((await params(item)).service_status, '6');
    sim.state.certs.get(certId)!.statusId = 4; // the old certificate is still good, and may be reissued
    const afterRefusal = await run('reopen', item);
    ok(afterRefusal);
    assert.deepEqual(afterRefusal.enom, ['CertReissueCert']);
    // issued at ENOM, not yet handed over: ENOM, asked, says it is not under way
    sim.issue(certId);
    const afterIssue = await run('reopen', item);
    ok(afterIssue);
    assert.deepEqual(afterIssue.enom, ['CertGetCertDetail', 'CertReissueCert']);
  });

  it('a changed CSR is sent even while an earlier reissue is noted', async () => {
    const { item } = await handedOver('reissue-csr.example.com');
    assert.equal((await runFailing('service.postreopen', 'reopen', item)).code, 1);
    const csr = await newCsr(item, 'reissue-csr.example.com');
    const r = await run('reopen', item);
    // ENOM decides about a second reissue under way; we do not hide the new CSR from it
    assert.deepEqual(r.enom, ['CertReissueCert']);
    assert.equal(r.requests[0]!.params.CSR, csr);
  });

  it('Comodo: a clear not_supported error, a manual operation and a staff task — never a silent success', async () => {
    const item = await certItem('certificate-comodo-essential', 'noreissue.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const ro = await rig.addRunningOperation(item, 'reopen');
    const r = await run('reopen', item, ['--runningoperation', String(ro)]);
    assert.equal(r.code, 1);
    assert.equal(parseErrorXml(r.stdout)?.type, 'not_supported');
    assert.deepEqual(r.enom, []);
    assert.deepEqual(r.mgr, ['paramlist', 'runningoperation.edit', 'runningoperation.setmanual', 'task.gettype', 'task.edit']);
  });
});

describe('prolong', () => {
  it('a renewal that fails in a way a retry might fix still goes to staff at once: it gets one try', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'renewfail.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const ro = await rig.addRunningOperation(item, 'prolong');
    sim.fail('PurchaseServices', 'reset', { times: 1 });
    const r = await run('prolong', item, ['--runningoperation', String(ro)]);
    sim.clear();
    assert.equal(r.code, 1);
    assert.deepEqual(r.mgr, ['paramlist', 'runningoperation.edit', 'runningoperation.setmanual', 'task.gettype', 'task.edit']);
  });

  it('a new order of the same product, the old CertID kept, postprolong; a retry buys nothing more', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'renew.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const old = Number((await params(item)).enom_certid);
    sim.issue(old);
    ok(await run('sync_item', item));
    const bought = purchases();
    const r = await run('prolong', item);
    ok(r);
    assert.deepEqual(r.enom, ['PurchaseServices', 'CertGetCertDetail', 'CertConfigureCert', 'CertPurchaseCert']);
    assert.deepEqual(r.mgr, ['paramlist', 'service.saveparam', 'service.saveparam', 'service.saveparam', 'service.setstatus', 'service.postprolong']);
    const p = await params(item);
    assert.equal(p.enom_certid_prev, String(old));
    assert.notEqual(p.enom_certid, String(old));
    assert.equal(sim.state.certs.get(Number(p.enom_certid))!.csr, sim.state.certs.get(old)!.csr, 'same CSR');
    assert.equal(purchases(), bought + 1);
  });
});

describe('close', () => {
  it('while pending: the order is withdrawn at ENOM, then postclose', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'close.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const r = await run('close', item);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail', 'CertModifyOrder']);
    assert.deepEqual(r.mgr, ['paramlist', 'service.postclose']);
  });

  it('while a Comodo order waits for its approval e-mail (status 9): withdrawn as well, then postclose', async () => {
    const item = await certItem('certificate-comodo-essential', 'closecomodo.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const certId = Number((await params(item)).enom_certid);
    assert.equal(sim.state.certs.get(certId)!.statusId, 9, 'Approval Email Sent');
    const r = await run('close', item);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail', 'CertModifyOrder']);
    assert.deepEqual(r.mgr, ['paramlist', 'service.postclose']);
    assert.equal(sim.state.certs.get(certId)!.statusId, 1, 'back at ENOM, unconfigured');
  });

  it('after issue: nothing to withdraw, postclose', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'closed.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    sim.issue(Number((await params(item)).enom_certid));
    const r = await run('close', item);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail']);
    assert.deepEqual(r.mgr, ['paramlist', 'service.postclose']);
  });

  it('ENOM unreachable: close fails and says so', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'closefail.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    sim.fail('CertGetCertDetail', 'reset', { times: 10 });
    try {
      const r = await run('close', item);
      assert.equal(r.code, 1);
      assert.equal(parseErrorXml(r.stdout)?.type, 'connection');
      assert.ok(!r.mgr.includes('service.postclose'));
    } finally {
      sim.clear();
    }
  });
});

describe('send_dv_email', () => {
  it('the same address: ENOM resends', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'mail.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const r = await run('send_dv_email', item, ['--emails', 'admin@example.com']);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail', 'CertResendApproverEmail']);
  });

  it('a new address: ENOM changes it and BILLmanager keeps it', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'mail2.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const r = await run('send_dv_email', item, ['--emails', 'webmaster@mail2.example.com']);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail', 'CertChangeApproverEmail']);
    assert.equal((await params(item)).approver_email, 'webmaster@mail2.example.com');
  });

  it("a multi-domain certificate: the domain's approver changes, the other domains' stay (a renewal still finds them)", async () => {
    const item = await certItem('certificate-comodo-ucc-dv', 'ucc.example.com', { approver_email: 'admin@example.com,admin@example.org', altname: 'b.example.org' }, ['b.example.org']);
    ok(await run('open', item));
    const r = await run('send_dv_email', item, ['--emails', 'webmaster@ucc.example.com']);
    ok(r);
    assert.equal((await params(item)).approver_email, 'webmaster@ucc.example.com,admin@example.org');
  });

  it('a multi-domain certificate whose domains share one approver: the new one is added, the shared one kept for the others', async () => {
    const item = await certItem('certificate-comodo-ucc-dv', 'shop.example.com', { approver_email: 'admin@example.com', altname: 'other.example.com' }, ['other.example.com']);
    ok(await run('open', item));
    ok(await run('send_dv_email', item, ['--emails', 'webmaster@shop.example.com']));
    assert.equal((await params(item)).approver_email, 'webmaster@shop.example.com,admin@example.com');
    // and a renewal still finds an approver for every domain
    sim.issue(Number((await params(item)).enom_certid));
    ok(await run('prolong', item));
  });

  it('three domains sharing two approvers: saved as one address per domain, so the renewal reads them right', async () => {
    const item = await certItem('certificate-comodo-ucc-dv', 'a.example.com', { approver_email: 'admin@example.com,admin@example.org', altname: 'b.example.org c.example.com' }, ['b.example.org', 'c.example.com']);
    ok(await run('open', item));
    ok(await run('send_dv_email', item, ['--emails', 'webmaster@a.example.com']));
    assert.equal((await params(item)).approver_email, 'webmaster@a.example.com,admin@example.org,admin@example.com');
    sim.issue(Number((await params(item)).enom_certid));
    const renewed = await run('prolong', item);
    ok(renewed);
    const purchase = renewed.requests.find((q) => q.command === 'CertConfigureCert')!;
    assert.deepEqual([purchase.params.UCCEmailList1, purchase.params.UCCEmailList2, purchase.params.UCCEmailList3], ['webmaster@a.example.com', 'admin@example.org', 'admin@example.com']);
  });

  it('a change ENOM made but BILLmanager never heard of (the save failed) is saved by the retry', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'mail4.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const failed = await runFailing('service.saveparam', 'send_dv_email', item, ['--emails', 'webmaster@mail4.example.com']);
    assert.equal(failed.code, 1);
    assert.equal((await params(item)).approver_email, 'admin@example.com');
    const r = await run('send_dv_email', item, ['--emails', 'webmaster@mail4.example.com']);
    ok(r);
    assert.deepEqual(r.enom, ['CertGetCertDetail', 'CertResendApproverEmail']);
    assert.equal((await params(item)).approver_email, 'webmaster@mail4.example.com');
  });

  it('an address off the domain is refused', async () => {
    const item = await certItem('certificate-rapidssl-rapidssl', 'mail3.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', item));
    const r = await run('send_dv_email', item, ['--emails', 'admin@evil.example']);
    assert.equal(parseErrorXml(r.stdout)?.object, 'emails');
  });
});

describe('DoNothing', () => {
  // billmanager.md §1: while etc/billmgr.DoNothing exists the service commands do nothing and
  // succeed: no ENOM request, no mgrctl call (not even paramlist), nothing changed.
  const SERVICE_COMMANDS = ['open', 'close', 'prolong', 'sync_item', 'reopen', 'suspend', 'resume', 'setparam'] as const;
  it(`${SERVICE_COMMANDS.join(', ')}: each does nothing at all while etc/billmgr.DoNothing exists`, async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    // Items each command would act on: a fresh one (open buys), a pending one (sync_item polls, close
    // withdraws) and an issued one (prolong buys, reopen reissues).
    const fresh = await certItem('certificate-rapidssl-rapidssl', 'nothing.example.com', { approver_email: 'admin@example.com' });
    const pending = await certItem('certificate-rapidssl-rapidssl', 'nothing-pending.example.com', { approver_email: 'admin@example.com' });
    ok(await run('open', pending));
    const issued = await decided('issue', 'certificate-rapidssl-rapidssl', 'nothing-issued.example.com');
    ok(await run('sync_item', issued));
    const itemFor: Record<(typeof SERVICE_COMMANDS)[number], number> = {
      open: fresh, close: pending, sync_item: pending, prolong: issued, reopen: issued, suspend: issued, resume: issued, setparam: issued,
    };
    const snapshot = async () => JSON.stringify([await params(fresh), await params(pending), await params(issued), [...sim.state.certs.values()].map((c) => [c.certId, c.statusId])]);
    const flag = path.join(rig.root, 'etc', 'billmgr.DoNothing');
    fs.writeFileSync(flag, '');
    try {
      const before = await snapshot();
      for (const command of SERVICE_COMMANDS) {
        const logged = rig.logText().length;
        const r = await run(command, itemFor[command]);
        assert.equal(r.code, 0, `${command}: ${r.stdout}`);
        assert.equal(r.stdout, '', command);
        assert.deepEqual(r.enom, [], `${command}: no ENOM request`);
        assert.deepEqual(r.mgr, [], `${command}: no mgrctl call`);
        assert.match(rig.logText().slice(logged), /DoNothing exists: doing nothing/, command);
      }
      assert.equal(await snapshot(), before, 'nothing changed in BILLmanager or at ENOM');
    } finally {
      fs.rmSync(flag);
    }
  });
});

// Each command function against the simulator: the purchase flow end to end (PurchaseServices →
// CertConfigureCert → CertPurchaseCert → issue → CertGetCertDetail with a verifiable PEM chain),
// the Comodo and DCV variants, and the follow-up commands.
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type EnomClient, createEnomClient } from '../../src/enom/client';
import {
  type EnomContact,
  certChangeApproverEmail,
  certConfigureCert,
  certGetApproverEmail,
  certGetCertDetail,
  certGetCerts,
  certModifyOrder,
  certParseCsr,
  certPurchaseCert,
  certReissueCert,
  certResendApproverEmail,
  certResendFulfillmentEmail,
  getBalance,
  getCerts,
  purchaseServices,
} from '../../src/enom/commands';
import { EnomError } from '../../src/enom/errors';
import { isoDate } from '../../src/enom/types';
import { type EnomSim, makeCsr, startEnomSim } from '../support/enom-sim';
import { rawLogger } from '../support/raw-logger';

const UID = 'resellid';
const PW = 'S3cr3t-Pa55&word';
const log = rawLogger(null);

let sim: EnomSim;
let client: EnomClient;

const admin: EnomContact = {
  fName: 'John',
  lName: 'Smith',
  orgName: 'Rightside & Co',
  jobTitle: 'Dev',
  address1: '1st Ave',
  address2: 'Suite 5',
  city: 'Kirkland',
  state: 'WA',
  postalCode: '98033',
  country: 'US',
  phone: '+1.4252744500',
  fax: '+1.4252744501',
  emailAddress: 'john+ssl@example.com',
};
const tech: EnomContact = { ...admin, fName: 'Tech', emailAddress: 'tech@example.com' };

before(async () => {
  sim = await startEnomSim({ uid: UID, pw: PW, balance: 2261.65 });
  client = createEnomClient({ url: sim.url, uid: UID, pw: PW, log, timeouts: { responseMs: 2000 }, retry: { baseDelayMs: 5 } });
});

after(async () => {
  await sim.close();
});

const lastParams = (command: string) => {
  const r = sim.requestsFor(command).at(-1);
  assert.ok(r, `no ${command} request`);
  return r.params;
};

/** openssl-free check that `leaf` chains to the sim's root through `chain`. */
function assertChains(leafPem: string, chain: string[], rootPem: string) {
  const certs = [leafPem, ...chain].map((p) => new X509Certificate(p));
  for (let i = 0; i + 1 < certs.length; i++) {
    const [child, parent] = [certs[i], certs[i + 1]];
    assert.ok(child && parent);
    assert.ok(child.checkIssued(parent), `${child.subject} not issued by ${parent.subject}`);
    assert.ok(child.verify(parent.publicKey), `${child.subject} signature`);
  }
  const root = new X509Certificate(rootPem);
  assert.equal(certs.at(-1)?.fingerprint256, root.fingerprint256, 'chain ends in the root');
}

describe('catalogue and balance', () => {
  test('GetCerts: codes in lower case, prices as numbers', async () => {
    const r = await getCerts(client);
    assert.equal(r.reseller, true);
    assert.equal(r.products.length, 19);
    assert.equal(r.certCount, 19);
    const rapid = r.products.find((p) => p.prodType === 23);
    assert.deepEqual(rapid && [rapid.prodCode, rapid.resellerPrice, rapid.retailPrice, rapid.enabled, rapid.years], ['certificate-rapidssl-rapidssl', 9.95, 19.95, true, [1]]);
    const symantec = r.products.find((p) => p.prodType === 181);
    assert.equal(symantec?.retailPrice, 995);
    assert.equal(r.products.find((p) => p.prodType === 183)?.retailPrice, 1499); // "$1,499.00"
  });

  test('GetBalance: thousands separators become numbers', async () => {
    const b = await getBalance(client);
    assert.equal(b.balance, sim.account.balance);
    assert.equal(b.availableBalance, sim.account.availableBalance);
    assert.ok(b.balance > 1000, 'the sim writes 2,261.65 style amounts');
  });

  test('a negative balance reads as a negative number', async () => {
    sim.addAccount({ uid: 'debtor', pw: PW, balance: -1832.23 });
    const c = createEnomClient({ url: sim.url, uid: 'debtor', pw: PW, log });
    const b = await getBalance(c);
    assert.equal(b.balance, -1832.23);
    // and cannot buy anything
    await assert.rejects(purchaseServices(c, { service: 'certificate-rapidssl-rapidssl' }), (e: EnomError) => e.kind === 'funds');
  });
});

describe('purchase flow', () => {
  test('RapidSSL: buy → configure → purchase (approver e-mail) → issue → detail with a PEM chain', async () => {
    const before = await getBalance(client);
    const bought = await purchaseServices(client, { service: 'Certificate-RapidSSL-RapidSSL' });
    assert.ok(bought.certId > 0);
    assert.ok(bought.orderId && bought.orderId > 0);
    assert.deepEqual(lastParams('PurchaseServices'), { command: 'PurchaseServices', uid: UID, responsetype: 'xml', Service: 'Certificate-RapidSSL-RapidSSL', NumYears: '1' });
    const after1 = await getBalance(client);
    assert.equal(Math.round((before.availableBalance - after1.availableBalance) * 100), 995);
    assert.equal(Math.round((before.balance - after1.balance) * 100), 995);

    const listed = await certGetCerts(client, { certStatusId: 1 });
    const mine = listed.certs.find((c) => c.certId === bought.certId);
    assert.ok(mine);
    assert.equal(mine.certStatus, 'Awaiting Configuration');
    assert.equal(mine.prodType, 23);

    const { csr, key } = makeCsr('shop.example.com', { org: 'Shop Org' });
    const parsed = await certParseCsr(client, { certId: bought.certId, csr });
    assert.equal(parsed.domainName, 'shop.example.com');
    assert.equal(parsed.organization, 'Shop Org');
    assert.equal(parsed.country, 'US');

    const conf = await certConfigureCert(client, { certId: bought.certId, webServerType: 18, csr, admin, tech });
    assert.equal(conf.success, true);
    assert.equal(conf.csr.domainName, 'shop.example.com');
    assert.ok(conf.approvers.some((a) => a.type === 'Generic' && a.email === 'admin@shop.example.com'));
    assert.ok(conf.approvers.some((a) => a.type === 'Domain'));
    assert.ok(conf.approvers.every((a) => a.email.endsWith('@shop.example.com')));
    // contacts mapped to ENOM's names; billing defaults to admin
    const p = lastParams('CertConfigureCert');
    assert.equal(p.CSR, csr);
    assert.equal(p.WebServerType, '18');
    assert.equal(p.AdminFName, 'John');
    assert.equal(p.AdminOrgName, 'Rightside & Co');
    assert.equal(p.AdminPhone, '+1.4252744500');
    assert.equal(p.AdminEmailAddress, 'john+ssl@example.com');
    assert.equal(p.TechFName, 'Tech');
    assert.equal(p.BillingFName, 'John');
    for (const f of ['FName', 'LName', 'OrgName', 'JobTitle', 'Address1', 'Address2', 'City', 'State', 'PostalCode', 'Country', 'Phone', 'Fax', 'EmailAddress']) {
      assert.ok(`Admin${f}` in p && `Tech${f}` in p && `Billing${f}` in p, f);
    }
    let detail = await certGetCertDetail(client, { certId: bought.certId });
    assert.equal(detail.certStatusId, 1, 'configured, still awaiting');

    const approvers = await certGetApproverEmail(client, { certId: bought.certId, domain: 'shop.example.com' });
    assert.equal(approvers.success, true);
    assert.equal(approvers.approvers.length, 6);

    const purchased = await certPurchaseCert(client, { certId: bought.certId, approverEmail: 'admin@shop.example.com' });
    assert.equal(purchased.success, true);
    assert.equal(purchased.certId, bought.certId);
    assert.equal(purchased.approverEmail, 'admin@shop.example.com');
    assert.ok(purchased.geoTrustOrderId);
    detail = await certGetCertDetail(client, { certId: bought.certId });
    assert.equal(detail.certStatusId, 2);
    assert.equal(detail.certStatus, 'Processing');
    assert.equal(detail.sslCertificate, undefined);
    assert.deepEqual(detail.chain, []);

    sim.issue(bought.certId);
    detail = await certGetCertDetail(client, { certId: bought.certId });
    assert.equal(detail.certStatusId, 4);
    assert.equal(detail.certStatus, 'Certificate Issued');
    assert.equal(detail.domainName, 'shop.example.com');
    assert.equal(detail.orderId, bought.orderId);
    assert.equal(detail.approverEmail, 'admin@shop.example.com');
    assert.equal(detail.webServerTypeId, 18);
    assert.ok(detail.expirationDate);
    const days = (detail.expirationDate.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 364 && days < 366, `${days} days`);
    assert.match(isoDate(detail.expirationDate), /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(detail.sslCertificate);
    assert.equal(detail.intermediates.length, 1);
    assert.equal(detail.chain.length, 2, 'intermediate and root, each once');
    assertChains(detail.sslCertificate, detail.chain, sim.ca.rootPem);
    const leaf = new X509Certificate(detail.sslCertificate);
    assert.match(leaf.subject, /CN=shop\.example\.com/);
    assert.ok(leaf.checkHost('shop.example.com'));
    // issued for the CSR's key
    assert.equal(leaf.publicKey.export({ type: 'spki', format: 'pem' }), createPublicKey(key).export({ type: 'spki', format: 'pem' }));
    assert.equal(detail.csr, csr);

    const fulfil = await certResendFulfillmentEmail(client, { certId: bought.certId });
    assert.equal(fulfil.success, true);

    const issued = await certGetCerts(client, { certStatusId: 4, domainNameContains: 'shop.example' });
    assert.deepEqual(issued.certs.map((c) => c.certId), [bought.certId]);
    assert.equal(issued.certs[0]?.expirationDate && isoDate(issued.certs[0].expirationDate), isoDate(detail.expirationDate));
  });

  test('Comodo: approval e-mail sent (9), change / resend approver, modify back to 1, reconfigure', async () => {
    const { certId } = await purchaseServices(client, { service: 'certificate-comodo-essential' });
    const { csr } = makeCsr('comodo.example.net');
    await certConfigureCert(client, { certId, webServerType: 1000, csr, admin });
    await assert.rejects(certPurchaseCert(client, { certId, dvAuthMethod: 'DNS' }), (e: EnomError) => e.kind === 'api');
    const r = await certPurchaseCert(client, {
      certId,
      approverEmail: 'admin@comodo.example.net',
      csrOrganization: { organization: 'Org', address1: 'Street 1', locality: 'City', stateProvince: 'ST', postalCode: '12345', country: 'US' },
    });
    assert.equal(r.success, true);
    const p = lastParams('CertPurchaseCert');
    assert.equal(p.CSROrganization, 'Org');
    assert.equal(p.CSRCountry, 'US');
    assert.ok(!('CSRAddress2' in p), 'unset optional parameters are not sent');
    let d = await certGetCertDetail(client, { certId });
    assert.equal(d.certStatusId, 9);
    assert.equal(d.certStatus, 'Approval Email Sent');

    const changed = await certChangeApproverEmail(client, { certId, approverEmail: 'webmaster@comodo.example.net' });
    assert.deepEqual(changed, { approverEmail: 'webmaster@comodo.example.net', success: true });
    const resent = await certResendApproverEmail(client, { certId });
    assert.deepEqual(resent, { approverEmail: 'webmaster@comodo.example.net', success: true });

    const modified = await certModifyOrder(client, { certId });
    assert.equal(modified.certId, certId);
    d = await certGetCertDetail(client, { certId });
    assert.equal(d.certStatusId, 1);
    assert.equal(d.approverEmail, undefined);
    // configurable again
    await certConfigureCert(client, { certId, webServerType: 1000, csr, admin });
    await certPurchaseCert(client, { certId, approverEmail: 'admin@comodo.example.net' });
    sim.reject(certId);
    d = await certGetCertDetail(client, { certId });
    assert.equal(d.certStatusId, 6);
    assert.equal(d.certStatus, 'Rejected by Customer');
    // rejected may be reconfigured
    await certConfigureCert(client, { certId, webServerType: 1000, csr, admin });
  });

  test('DCV by file and DNS: the tokens come back from CertPurchaseCert and CertGetCertDetail', async () => {
    for (const method of ['File', 'DNS'] as const) {
      const { certId } = await purchaseServices(client, { service: 'certificate-geotrust-quickssl' });
      await certConfigureCert(client, { certId, webServerType: 18, csr: makeCsr(`${method.toLowerCase()}.example.org`).csr, admin });
      const r = await certPurchaseCert(client, { certId, dvAuthMethod: method });
      assert.equal(r.dvAuthMethod, method);
      assert.equal(lastParams('CertPurchaseCert').DVAuthMethod, method);
      assert.ok(!('ApproverEmail' in lastParams('CertPurchaseCert')));
      const d = await certGetCertDetail(client, { certId });
      if (method === 'File') {
        assert.equal(r.fileAuthName, 'fileauth.txt');
        assert.ok(r.fileAuthContents && r.fileAuthContents.length > 10);
        assert.equal(r.dnsAuthEntry, undefined);
        assert.equal(d.fileAuthContents, r.fileAuthContents);
      } else {
        assert.ok(r.dnsAuthEntry);
        assert.match(r.dnsAuthAddress ?? '', /\.dns\.example\.org$/);
        assert.equal(r.fileAuthName, undefined);
        assert.equal(d.dnsAuthEntry, r.dnsAuthEntry);
      }
    }
  });

  test('UCC: DomainListNumber and UCCDomainList/UCCEmailList 1..N', async () => {
    const { certId } = await purchaseServices(client, { service: 'certificate-comodo-ucc-dv' });
    const domains = ['a.example.com', 'b.example.com', 'c.example.com'];
    const emails = domains.map((d) => `admin@${d}`);
    await certConfigureCert(client, { certId, webServerType: 1000, csr: makeCsr('a.example.com').csr, admin, ucc: { domains, emails } });
    const p = lastParams('CertConfigureCert');
    assert.equal(p.DomainListNumber, '3');
    assert.deepEqual([p.UCCDomainList1, p.UCCDomainList2, p.UCCDomainList3], domains);
    assert.deepEqual([p.UCCEmailList1, p.UCCEmailList2, p.UCCEmailList3], emails);
    assert.ok(!('UCCDomainList4' in p));
    await certPurchaseCert(client, { certId, approverEmail: emails[0] });
    sim.issue(certId);
    const d = await certGetCertDetail(client, { certId });
    assert.equal(d.domainList, domains.join(','));
    const leaf = new X509Certificate(d.sslCertificate ?? '');
    for (const dom of domains) assert.ok(leaf.checkHost(dom), dom);
    await assert.rejects(certConfigureCert(client, { certId, webServerType: 1000, csr: 'x', admin, ucc: { domains, emails: ['one'] } }), RangeError);
  });

  test('reissue (RapidSSL): back to Processing, issued again with the new key', async () => {
    const { certId } = await purchaseServices(client, { service: 'certificate-rapidssl-rapidssl' });
    await certConfigureCert(client, { certId, webServerType: 18, csr: makeCsr('re.example.com').csr, admin });
    await certPurchaseCert(client, { certId, approverEmail: 'admin@re.example.com' });
    sim.issue(certId);
    const first = await certGetCertDetail(client, { certId });
    const fresh = makeCsr('re.example.com');
    const r = await certReissueCert(client, { certId, csr: fresh.csr });
    assert.equal(r.success, true);
    assert.equal((await certGetCertDetail(client, { certId })).certStatusId, 2);
    sim.issue(certId);
    const second = await certGetCertDetail(client, { certId });
    assert.notEqual(second.sslCertificate, first.sslCertificate);
    assert.equal(new X509Certificate(second.sslCertificate ?? '').publicKey.export({ type: 'spki', format: 'pem' }), createPublicKey(fresh.key).export({ type: 'spki', format: 'pem' }));
    // Comodo cannot be reissued through the API
    const comodo = await purchaseServices(client, { service: 'certificate-comodo-instant' });
    await assert.rejects(certReissueCert(client, { certId: comodo.certId, csr: fresh.csr }), (e: EnomError) => e.kind === 'api');
  });

  test('refunds: 7 before issue, 8 after; the money comes back', async () => {
    const b0 = (await getBalance(client)).availableBalance;
    const { certId } = await purchaseServices(client, { service: 'certificate-geotrust-quickssl-premium' });
    assert.equal(Math.round(((await getBalance(client)).availableBalance - b0) * 100), -7900);
    sim.refund(certId);
    assert.equal((await certGetCertDetail(client, { certId })).certStatusId, 7);
    assert.equal((await getBalance(client)).availableBalance, b0);
    const second = await purchaseServices(client, { service: 'certificate-rapidssl-rapidssl' });
    await certConfigureCert(client, { certId: second.certId, webServerType: 18, csr: makeCsr('refund.example.com').csr, admin });
    await certPurchaseCert(client, { certId: second.certId, approverEmail: 'admin@refund.example.com' });
    sim.issue(second.certId);
    sim.refund(second.certId);
    const d = await certGetCertDetail(client, { certId: second.certId });
    assert.equal(d.certStatusId, 8);
    assert.equal(d.certStatus, 'Refunded - Cert Issued');
  });
});

describe('lists, filters and mistakes', () => {
  test('CertGetCerts: an account without certificates gets an empty list (bare <CertGetCerts />)', async () => {
    sim.addAccount({ uid: 'empty', pw: PW });
    const c = createEnomClient({ url: sim.url, uid: 'empty', pw: PW, log });
    const r = await certGetCerts(c);
    assert.deepEqual(r.certs, []);
    assert.equal(r.totalRecords, 0);
  });

  test('CertGetCerts: paging and filters reach ENOM with its parameter names', async () => {
    const all = await certGetCerts(client);
    assert.ok(all.certs.length >= 5);
    const page = await certGetCerts(client, { startPosition: 2, pagingPageSize: 2, prodType: 23, orderDateStart: '2020-01-31', sortByDirection: 'desc' });
    const p = lastParams('CertGetCerts');
    assert.deepEqual([p.StartPosition, p.PagingPageSize, p.ProdType, p.OrderDateStart, p.SortByDirection], ['2', '2', '23', '01/31/2020', 'desc']);
    assert.ok(page.certs.length <= 2);
    assert.ok(page.certs.every((c) => c.prodType === 23));
    assert.equal(page.totalRecords, all.certs.filter((c) => c.prodType === 23).length);
    await assert.rejects(certGetCerts(client, { pagingPageSize: 251 }), RangeError);
  });

  test('the same flow in the 2013 lower-case dialect', async () => {
    sim.fail('*', 'lowercase');
    try {
      const { certId } = await purchaseServices(client, { service: 'certificate-rapidssl-rapidssl' });
      const conf = await certConfigureCert(client, { certId, webServerType: 18, csr: makeCsr('lower.example.com').csr, admin });
      assert.equal(conf.approvers.length, 6);
      assert.equal(conf.approvers[0]?.type, 'Domain');
      await certPurchaseCert(client, { certId, approverEmail: 'admin@lower.example.com' });
      sim.issue(certId);
      const d = await certGetCertDetail(client, { certId });
      assert.equal(d.certStatusId, 4);
      assertChains(d.sslCertificate ?? '', d.chain, sim.ca.rootPem);
      assert.ok((await getCerts(client)).products.length > 0);
    } finally {
      sim.clear();
    }
  });

  test('purchase before configuration, unknown certificate, unknown product → api errors', async () => {
    const { certId } = await purchaseServices(client, { service: 'certificate-rapidssl-rapidssl' });
    await assert.rejects(certPurchaseCert(client, { certId, approverEmail: 'a@b.c' }), (e: EnomError) => e.kind === 'api' && /configured/.test(e.message));
    await assert.rejects(certGetCertDetail(client, { certId: 1 }), (e: EnomError) => e.kind === 'api' && e.codes[0] === '316397');
    await assert.rejects(purchaseServices(client, { service: 'certificate-nonexistent' }), (e: EnomError) => e.kind === 'api');
  });

  test('<Success>False</Success> with ErrCount 0 and Done true is an api error, never a result', async () => {
    const { certId } = await purchaseServices(client, { service: 'certificate-rapidssl-rapidssl' });
    await certConfigureCert(client, { certId, webServerType: 18, csr: makeCsr('nope.example.com').csr, admin });
    const calls: [string, () => Promise<unknown>][] = [
      ['CertConfigureCert', () => certConfigureCert(client, { certId, webServerType: 18, csr: makeCsr('nope.example.com').csr, admin })],
      ['CertPurchaseCert', () => certPurchaseCert(client, { certId, approverEmail: 'admin@nope.example.com' })],
      ['CertChangeApproverEmail', () => certChangeApproverEmail(client, { certId, approverEmail: 'webmaster@nope.example.com' })],
      ['CertResendApproverEmail', () => certResendApproverEmail(client, { certId })],
      ['CertResendFulfillmentEmail', () => certResendFulfillmentEmail(client, { certId })],
      ['CertReissueCert', () => certReissueCert(client, { certId, csr: makeCsr('nope.example.com').csr })],
      ['CertParseCSR', () => certParseCsr(client, { certId, csr: makeCsr('nope.example.com').csr })],
    ];
    try {
      for (const [command, call] of calls) {
        // ENOM's Message is the error's text, with the password taken out as everywhere else
        sim.fail(command, 'unsuccessful', { message: `Order not accepted for ${PW}`, times: 1 });
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(e instanceof EnomError, String(e));
          assert.equal(e.kind, 'api', e.message);
          assert.equal(e.command, command);
          assert.match(e.message, new RegExp(`^ENOM ${command} failed: Order not accepted for \\[redacted\\]`));
          assert.ok(!JSON.stringify([e.message, e.messages]).includes(PW), e.message);
          assert.equal(e.retryable, false);
          return true;
        });
        // no Message: still a refusal, saying what ENOM said
        sim.fail(command, 'unsuccessful', { times: 1 });
        await assert.rejects(call(), (e: EnomError) => e.kind === 'api' && /Success is False/.test(e.message));
      }
    } finally {
      sim.clear();
    }
    // nothing went to the CA; with Success absent or True the order goes through as before
    assert.equal((await certGetCertDetail(client, { certId })).certStatusId, 1);
    const r = await certPurchaseCert(client, { certId, approverEmail: 'admin@nope.example.com' });
    assert.equal(r.success, true);
  });

  test('CertPurchaseCert without approver or DCV method is refused before sending', async () => {
    const n = sim.requestsFor('CertPurchaseCert').length;
    await assert.rejects(certPurchaseCert(client, { certId: 1 }), TypeError);
    await assert.rejects(certPurchaseCert(client, { certId: 1, dvAuthMethod: 'Email' }), TypeError);
    assert.equal(sim.requestsFor('CertPurchaseCert').length, n);
  });
});

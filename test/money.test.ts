// Exactly one purchase per order, whatever crashes. Each scenario kills `open` or `prolong` (SIGKILL,
// with everything it started) at one step, then runs the command again as BILLmanager would, and
// counts the certificates ENOM sold.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCsr, startEnomSim, type EnomSim, type SimCert } from './support/enom-sim';
import { createRig, parseErrorXml, type Rig } from './support/rig';
import { CONTACT } from './support/order';

const PW = 'S3cr3t-Pa55&word';
let rig: Rig;
let sim: EnomSim;
let moduleId: number;
const figures: string[] = [];

before(async () => {
  [rig, sim] = await Promise.all([createRig(), startEnomSim({ uid: 'reseller1', pw: PW, balance: 100_000 })]);
  moduleId = await rig.addModule({ url: sim.url, username: 'reseller1', password: PW });
});
after(async () => {
  console.log(`# purchases per scenario:\n# ${figures.join('\n# ')}`);
  await sim?.close();
  await rig?.close();
});

let n = 0;
async function newItem(product = 'certificate-rapidssl-rapidssl') {
  const cn = `shop${++n}.example.com`;
  const { csr } = makeCsr(cn);
  return rig.addItem({
    pricelist: product,
    module: moduleId,
    csr,
    params: {
      ...CONTACT,
      approver_method: 'auth_email', approver_email: `admin@${cn}`,
    },
  });
}

async function params(item: number): Promise<Record<string, string>> {
  const [rows] = (await rig.db.query('SELECT intname, value FROM itemparam WHERE item = ?', [item])) as unknown as [{ intname: string; value: string }[]];
  return Object.fromEntries(rows.map((r) => [r.intname, r.value]));
}

const sold = () => sim.state.certs.size;
const run = (command: string, item: number, opts: Parameters<Rig['run']>[1] = {}) => rig.run(['--command', command, '--item', String(item)], opts);
const mgrCalled = (func: string) => () => rig.calls().some((c) => c.func === func);
const enomGot = (command: string, since: number) => () => sim.requestsFor(command).length > since;

interface Fault {
  name: string;
  /** sets the fault up; returns the condition on which the run is killed (none: it fails by itself) */
  arm(): (() => boolean) | undefined;
}

const faults = (op: 'open' | 'prolong'): Fault[] => [
  {
    name: 'before the purchase request reaches ENOM',
    arm() {
      const seen = sim.requestsFor('PurchaseServices').length;
      sim.fail('PurchaseServices', 'hang', { times: 1 });
      return enomGot('PurchaseServices', seen);
    },
  },
  {
    name: 'after ENOM charged, before the response arrived',
    arm() {
      sim.fail('PurchaseServices', 'commit_then_drop', { times: 1 });
      return undefined;
    },
  },
  {
    name: 'after the response, before service.saveparam',
    arm() {
      rig.setMgrctl({ fail: { 'service.saveparam': 'hang' } });
      return mgrCalled('service.saveparam');
    },
  },
  {
    name: 'after configure, before submit',
    arm() {
      const seen = sim.requestsFor('CertPurchaseCert').length;
      sim.fail('CertPurchaseCert', 'hang', { times: 1 });
      return enomGot('CertPurchaseCert', seen);
    },
  },
  {
    name: 'after submit, before BILLmanager heard',
    arm() {
      const last = op === 'open' ? 'service.postopen' : 'service.postprolong';
      rig.setMgrctl({ fail: { [last]: 'hang' } });
      return mgrCalled(last);
    },
  },
];

function disarm() {
  sim.clear();
  rig.setMgrctl({ fail: {} });
}

async function opened(): Promise<{ item: number; certId: number }> {
  const item = await newItem();
  assert.equal((await run('open', item)).code, 0);
  const certId = Number((await params(item)).enom_certid);
  sim.issue(certId);
  assert.equal((await run('sync_item', item)).code, 0);
  return { item, certId };
}

for (const op of ['open', 'prolong'] as const) {
  describe(`${op}: killed at each step, then run again`, () => {
    for (const fault of faults(op)) {
      it(fault.name, async () => {
        const { item, certId: original } = op === 'open' ? { item: await newItem(), certId: 0 } : await opened();
        const soldBefore = sold();
        rig.clearCalls();
        const killWhen = fault.arm();
        const first = await run(op, item, { killWhen, timeoutMs: 60_000 });
        disarm();
        if (killWhen) assert.equal(first.signal, 'SIGKILL', `the run was to be killed: ${first.stdout}`);
        else {
          assert.equal(first.code, 1);
          assert.equal(parseErrorXml(first.stdout)?.type, 'outcome_unknown', first.stdout);
        }
        rig.clearCalls();
        const second = await run(op, item);
        assert.equal(second.code, 0, second.stdout);
        const bought = sold() - soldBefore;
        figures.push(`${op}, killed ${fault.name}: ${bought} purchase(s)`);
        assert.equal(bought, 1, 'exactly one certificate bought');
        const p = await params(item);
        const certId = Number(p.enom_certid);
        const cert = sim.state.certs.get(certId)!;
        assert.ok(cert && certId !== original, 'the item holds the certificate that was bought');
        assert.ok([2, 9].includes(cert.statusId), `submitted to the CA (status ${cert.statusId})`);
        assert.equal(cert.domainName, `shop${n}.example.com`);
        assert.equal(p.service_status, '3');
        if (op === 'prolong') assert.equal(p.enom_certid_prev, String(original));
        assert.ok(rig.calls().some((c) => c.func === `service.post${op}`));
        assert.deepEqual(fs.readdirSync(path.join(rig.root, 'var', 'pmenomssl')).filter((f) => f.startsWith('intent-')), [], 'the journal is empty again');
        // And once more, as a BILLmanager retry would: nothing more is bought.
        if (op === 'open') {
          assert.equal((await run(op, item)).code, 0);
          assert.equal(sold() - soldBefore, 1);
        }
      });
    }
  });
}

describe('concurrency', () => {
  it('two opens of one item at once: one purchase, both succeed', async () => {
    const item = await newItem();
    const soldBefore = sold();
    sim.fail('PurchaseServices', 'delay', { ms: 800, times: 1 });
    const [a, b] = await Promise.all([run('open', item), run('open', item)]);
    disarm();
    assert.equal(a.code, 0, a.stdout);
    assert.equal(b.code, 0, b.stdout);
    assert.equal(sold() - soldBefore, 1);
    figures.push(`two concurrent opens of one item: ${sold() - soldBefore} purchase(s)`);
  });

  it('two items whose purchases were both lost each adopt their own certificate', async () => {
    const x = await newItem('certificate-geotrust-quickssl');
    const y = await newItem('certificate-geotrust-quickssl');
    const soldBefore = sold();
    for (const item of [x, y]) {
      sim.fail('PurchaseServices', 'commit_then_drop', { times: 1 });
      assert.equal(parseErrorXml((await run('open', item)).stdout)?.type, 'outcome_unknown');
    }
    disarm();
    const [rx, ry] = await Promise.all([run('open', x), run('open', y)]);
    assert.equal(rx.code, 0, rx.stdout);
    assert.equal(ry.code, 0, ry.stdout);
    assert.equal(sold() - soldBefore, 2);
    const [px, py] = [await params(x), await params(y)];
    assert.notEqual(px.enom_certid, py.enom_certid);
    figures.push(`two lost purchases, two items reconciled at once: ${sold() - soldBefore} purchase(s), distinct CertIDs`);
  });

  it("a lost purchase that ENOM dates the day before (its clock behind UTC) is found, not bought again", async () => {
    const item = await newItem();
    const soldBefore = sold();
    // ENOM's zone one hour further behind than UTC's time of day: its OrderDate is yesterday's date.
    sim.state.utcOffsetHours = -(new Date().getUTCHours() + 1);
    try {
      sim.fail('PurchaseServices', 'commit_then_drop', { times: 1 });
      assert.equal(parseErrorXml((await run('open', item)).stdout)?.type, 'outcome_unknown');
      disarm();
      const again = await run('open', item);
      assert.equal(again.code, 0, again.stdout);
    } finally {
      sim.state.utcOffsetHours = 0;
    }
    assert.equal(sold() - soldBefore, 1, 'the certificate bought by the lost request is adopted');
    figures.push(`a lost purchase dated the day before by ENOM: ${sold() - soldBefore} purchase(s)`);
  });

  it('a purchase ENOM refused is not reconciled: the retry buys', async () => {
    const item = await newItem();
    const soldBefore = sold();
    const listed = sim.requestsFor('CertGetCerts').length;
    const logged = rig.logText().length;
    sim.fail('PurchaseServices', 'funds', { times: 1 });
    const first = await run('open', item);
    disarm();
    assert.equal(parseErrorXml(first.stdout)?.type, 'insufficient_funds');
    assert.equal(sold() - soldBefore, 0);
    assert.equal((await run('open', item)).code, 0);
    assert.equal(sold() - soldBefore, 1);
    // A refusal is certain: the journal entry goes with it, so the retry has nothing to look for at
    // ENOM (a leftover entry would send it reconciling, and adopt any stray certificate it found).
    assert.equal(sim.requestsFor('CertGetCerts').length - listed, 0, 'no CertGetCerts');
    assert.doesNotMatch(rig.logText().slice(logged), /reconciled an unfinished purchase/);
  });

  it('a lost purchase is reconciled to its own certificate: not an unclaimed one of another product, nor one ordered well before', async () => {
    const item = await newItem();
    // Certificates the account already holds, awaiting configuration and nobody's; CertIDs below any
    // the simulator sells, so a reconciliation that let them through would pick them (lowest first).
    const stray = (certId: number, code: string, orderDate: Date): SimCert => {
      const product = sim.state.products.find((x) => x.code === code)!;
      const cert: SimCert = { certId, orderId: 100_000 + certId, uid: sim.account.uid, product, price: product.resellerPrice, statusId: 1, orderDate, contacts: {}, uccDomains: [] };
      sim.state.certs.set(certId, cert);
      return cert;
    };
    const other = stray(600_001, 'certificate-geotrust-quickssl-premium', new Date());
    const old = stray(600_002, 'certificate-rapidssl-rapidssl', new Date(Date.now() - 10 * 86_400_000));
    try {
      const soldBefore = sold();
      const known = new Set(sim.state.certs.keys());
      sim.fail('PurchaseServices', 'commit_then_drop', { times: 1 });
      assert.equal(parseErrorXml((await run('open', item)).stdout)?.type, 'outcome_unknown');
      disarm();
      const lost = [...sim.state.certs.keys()].filter((id) => !known.has(id));
      assert.equal(lost.length, 1, 'ENOM sold one certificate whose answer was lost');
      const again = await run('open', item);
      assert.equal(again.code, 0, again.stdout);
      assert.equal(sold() - soldBefore, 1, 'nothing bought again');
      assert.equal(Number((await params(item)).enom_certid), lost[0], 'the item holds the certificate its own lost purchase bought');
      assert.deepEqual([other.statusId, old.statusId], [1, 1], 'the strays are left alone');
    } finally {
      sim.state.certs.delete(other.certId);
      sim.state.certs.delete(old.certId);
    }
  });

  it('a second run waits for the lock a bounded time, then says busy', async () => {
    const item = await newItem();
    sim.fail('PurchaseServices', 'delay', { ms: 33_000, times: 1 });
    const holder = run('open', item, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1500));
    // The lock wait is 30 s: long enough for any normal run.
    const started = Date.now();
    const waiter = await run('open', item, { timeoutMs: 60_000 });
    const waited = Date.now() - started;
    assert.equal(parseErrorXml(waiter.stdout)?.type, 'busy', waiter.stdout);
    assert.ok(waited >= 25_000 && waited < 45_000, `waited ${waited} ms`);
    sim.clear();
    await holder;
  });
});

describe('prolong: the journal entry of an earlier renewal', () => {
  const intentFile = (item: number) => path.join(rig.root, 'var', 'pmenomssl', `intent-${item}-prolong.json`);
  const prolong = async (item: number, ro?: number) =>
    rig.run(['--command', 'prolong', '--item', String(item), ...(ro ? ['--runningoperation', String(ro)] : [])]);

  it('left behind after BILLmanager heard postprolong: the next renewal buys its own certificate', async () => {
    const { item } = await opened();
    const r1 = await rig.addRunningOperation(item, 'prolong');
    // A renewal killed before BILLmanager heard it, then retried under the same operation: resumed.
    rig.setMgrctl({ fail: { 'service.postprolong': 'hang' } });
    rig.clearCalls();
    const killed = await rig.run(['--command', 'prolong', '--item', String(item), '--runningoperation', String(r1)], { killWhen: mgrCalled('service.postprolong'), timeoutMs: 60_000 });
    disarm();
    assert.equal(killed.signal, 'SIGKILL');
    const leftover = fs.readFileSync(intentFile(item), 'utf8');
    const soldBefore = sold();
    assert.equal((await prolong(item, r1)).code, 0);
    assert.equal(sold() - soldBefore, 0, 'the retry of the same operation resumes the renewal');
    const renewed = Number((await params(item)).enom_certid);
    assert.equal(JSON.parse(leftover).certId, renewed);
    // The same entry, as if the run had died between postprolong and removing it; a year on, a new
    // prolong operation: it must buy, not hand over last year's renewal again.
    fs.writeFileSync(intentFile(item), leftover, { mode: 0o600 });
    const r2 = await rig.addRunningOperation(item, 'prolong');
    const next = await prolong(item, r2);
    assert.equal(next.code, 0, next.stdout);
    assert.equal(sold() - soldBefore, 1, 'the new renewal is a new order');
    const p = await params(item);
    assert.notEqual(Number(p.enom_certid), renewed);
    assert.equal(Number(p.enom_certid_prev), renewed);
    assert.ok(!fs.existsSync(intentFile(item)), 'the journal is empty again');
    figures.push(`prolong after an earlier renewal's leftover journal entry: ${sold() - soldBefore} purchase(s)`);
  });

  it("another operation's renewal whose purchase answer was lost is reconciled, not bought again", async () => {
    const { item } = await opened();
    const soldBefore = sold();
    sim.fail('PurchaseServices', 'commit_then_drop', { times: 1 });
    assert.equal(parseErrorXml((await prolong(item, await rig.addRunningOperation(item, 'prolong'))).stdout)?.type, 'outcome_unknown');
    disarm();
    const r = await prolong(item, await rig.addRunningOperation(item, 'prolong'));
    assert.equal(r.code, 0, r.stdout);
    assert.equal(sold() - soldBefore, 1, 'the certificate the lost answer was about is adopted');
  });

  for (const age of ['this month', 'over a month ago', 'this month, then rejected'] as const) {
    it(`a certificate sent to the CA for a renewal ${age} that never reached the item: ${age === 'this month' ? 'handed over now' : 'a new order'}`, async () => {
      const { item, certId: original } = await opened();
      const soldBefore = sold();
      // Killed after the new certificate went to the CA, before the item heard of it.
      rig.setMgrctl({ fail: { 'service.saveparam': 'hang' } });
      rig.clearCalls();
      const ro = await rig.addRunningOperation(item, 'prolong');
      const killed = await rig.run(['--command', 'prolong', '--item', String(item), '--runningoperation', String(ro)], { killWhen: mgrCalled('service.saveparam'), timeoutMs: 60_000 });
      disarm();
      assert.equal(killed.signal, 'SIGKILL');
      const entry = JSON.parse(fs.readFileSync(intentFile(item), 'utf8'));
      const pending = Number(entry.certId);
      assert.ok([2, 9].includes(sim.state.certs.get(pending)!.statusId), 'it went to the CA');
      if (age === 'over a month ago') fs.writeFileSync(intentFile(item), JSON.stringify({ ...entry, since: new Date(Date.now() - 40 * 86_400_000).toISOString() }), { mode: 0o600 });
      if (age === 'this month, then rejected') sim.reject(pending);
      const r = await prolong(item, await rig.addRunningOperation(item, 'prolong'));
      assert.equal(r.code, 0, r.stdout);
      const now = Number((await params(item)).enom_certid);
      assert.notEqual(now, original);
      if (age === 'this month') {
        assert.equal(now, pending, 'the renewal bought this month is the one handed over');
        assert.equal(sold() - soldBefore, 1);
      } else {
        assert.notEqual(now, pending, 'not a certificate sent to the CA over a month ago');
        assert.equal(sold() - soldBefore, 2);
      }
    });
  }

  it("an old entry whose certificate was bought and never configured: this renewal uses it (nothing bought twice)", async () => {
    const { item } = await opened();
    const soldBefore = sold();
    sim.fail('CertConfigureCert', 'bad_csr', { times: 1 });
    const failed = await prolong(item, await rig.addRunningOperation(item, 'prolong'));
    disarm();
    assert.equal(parseErrorXml(failed.stdout)?.type, 'api_error');
    const entry = JSON.parse(fs.readFileSync(intentFile(item), 'utf8'));
    assert.equal(sim.state.certs.get(entry.certId)!.statusId, 1);
    fs.writeFileSync(intentFile(item), JSON.stringify({ ...entry, since: new Date(Date.now() - 40 * 86_400_000).toISOString() }), { mode: 0o600 });
    const r = await prolong(item, await rig.addRunningOperation(item, 'prolong'));
    assert.equal(r.code, 0, r.stdout);
    assert.equal(sold() - soldBefore, 1);
    assert.equal(Number((await params(item)).enom_certid), entry.certId);
  });

  it('an entry whose certificate ENOM does not know is set aside, not a renewal stuck for ever', async () => {
    const { item } = await opened();
    const stray = { op: 'prolong', item, product: 'certificate-rapidssl-rapidssl', prodType: 1, since: new Date(Date.now() - 40 * 86_400_000).toISOString(), certId: 999_999, runningoperation: 1 };
    fs.writeFileSync(intentFile(item), JSON.stringify(stray), { mode: 0o600 });
    const soldBefore = sold();
    const r = await prolong(item, await rig.addRunningOperation(item, 'prolong'));
    assert.equal(r.code, 0, r.stdout);
    assert.equal(sold() - soldBefore, 1);
    assert.match(rig.logText(), /does not know its certificate/);
  });

  it('an entry a month old without an operation id is not resumed either', async () => {
    const { item } = await opened();
    const old = { op: 'prolong', item, product: 'certificate-rapidssl-rapidssl', prodType: 1, since: new Date(Date.now() - 40 * 86_400_000).toISOString(), certId: Number((await params(item)).enom_certid) };
    fs.writeFileSync(intentFile(item), JSON.stringify(old), { mode: 0o600 });
    const soldBefore = sold();
    const r = await prolong(item);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(sold() - soldBefore, 1);
    assert.notEqual(Number((await params(item)).enom_certid), old.certId);
  });
});

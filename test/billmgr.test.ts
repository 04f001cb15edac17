// src/billmgr against real parts: paramlist through the fake mgrctl, the throwaway MariaDB,
// crypted params made with the rig's key, hostile rows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createContext, type Context } from '../src/billmgr/context';
import { ModuleError } from '../src/billmgr/errors';
import { loadItem, loadProcessingModule, listProcessingModules } from '../src/billmgr/item';
import { acquireLock } from '../src/billmgr/lock';
import { createLogger } from '../src/billmgr/log';
import { createRig, type Rig } from './support/rig';

let rig: Rig;
const contexts: Context[] = [];
function context(): Context {
  const ctx = createContext('test', {}, createLogger('debug').child({ command: 'test' }));
  contexts.push(ctx);
  return ctx;
}
before(async () => {
  rig = await createRig();
  process.env.MGR5_ROOT = rig.root;
});
after(async () => {
  for (const c of contexts) await c.close();
  await rig?.close();
});

const rejects = (p: Promise<unknown>, type: string, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof ModuleError && e.type === type && re.test(e.message));

describe('processing module settings', () => {
  it('loads params and decrypts the password; the socket wins over an unreachable host', async () => {
    const id = await rig.addModule({ url: 'https://resellertest.enom.com/interface.asp', username: 'reseller1', password: 'S3cr3t-Pa55&word' });
    const ctx = context();
    rig.clearCalls();
    const m = await loadProcessingModule(ctx, id);
    assert.deepEqual(m.params, { url: 'https://resellertest.enom.com/interface.asp', username: 'reseller1', password: 'S3cr3t-Pa55&word' });
    assert.equal(m.active, true);
    await loadProcessingModule(ctx, id);
    assert.deepEqual(rig.calls().map((c) => c.func), ['paramlist'], 'paramlist is read once per run');
  });

  it('lists the active pmenomssl modules only', async () => {
    const on = await rig.addModule({ url: 'https://x', username: 'u', password: 'p' });
    const off = await rig.addModule({ url: 'https://x', username: 'u', password: 'p', active: false });
    const other = await rig.addModule({ url: 'https://x', username: 'u', password: 'p', module: 'pmgogetssl' });
    // MariaDB's default collation finds these equal to 'pmenomssl'; they are not this module
    const upper = await rig.addModule({ url: 'https://x', username: 'u', password: 'p', module: 'PMENOMSSL' });
    const padded = await rig.addModule({ url: 'https://x', username: 'u', password: 'p', module: 'pmenomssl ' });
    const ids = await listProcessingModules(context());
    assert.ok(!ids.includes(off) && !ids.includes(other));
    assert.ok(!ids.includes(upper) && !ids.includes(padded), 'a module column that only collates like pmenomssl');
    assert.ok(ids.includes(on));
  });

  it('refuses a module of another kind, a missing module and an undecryptable password', async () => {
    const other = await rig.addModule({ url: 'https://x', username: 'u', password: 'p', module: 'pmgogetssl' });
    await rejects(loadProcessingModule(context(), other), 'value', /not pmenomssl/);
    await rejects(loadProcessingModule(context(), 999999), 'value', /not found/);
    const id = await rig.addModule({ url: 'https://x', username: 'u', password: 'p' });
    await rig.db.query("UPDATE processingcryptedparam SET value = 'bm90IGEgY2lwaGVydGV4dA==' WHERE processingmodule = ?", [id]);
    await rejects(loadProcessingModule(context(), id), 'value', /cannot decrypt processingcryptedparam password/);
  });
});

describe('items', () => {
  it('loads item, tariff, params, crypted params and the CSR — never the private key', async () => {
    const mod = await rig.addModule({ url: 'https://x', username: 'u', password: 'p' });
    const id = await rig.addItem({
      pricelist: 'Certificate-RapidSSL-RapidSSL',
      period: 12,
      module: mod,
      params: { approver_email: 'admin@example.com', altname: '' },
      crypted: { secretparam: 'crypted-value' },
      csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----',
      pkey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
    });
    const item = await loadItem(context(), id);
    assert.equal(item.pricelist, 'certificate-rapidssl-rapidssl');
    assert.equal(item.itemtype, 'certificate');
    assert.equal(item.period, 12);
    assert.equal(item.processingmodule, mod);
    assert.deepEqual(item.params, { approver_email: 'admin@example.com', altname: '', secretparam: 'crypted-value' });
    assert.match(item.csr!, /BEGIN CERTIFICATE REQUEST/);
    assert.ok(!JSON.stringify(item).includes('PRIVATE KEY'));
  });

  it('a missing item, a tariff without intname and a bad crypted param are named errors', async () => {
    await rejects(loadItem(context(), 2147483647), 'value', /item 2147483647 not found/);
    const id = await rig.addItem({ pricelist: '' });
    await rejects(loadItem(context(), id), 'billmgr', /malformed: pricelist_intname/);
    const id2 = await rig.addItem({ pricelist: 'certificate-comodo-ev' });
    await rig.db.query("INSERT INTO itemcryptedparam (item, intname, value) VALUES (?, 'x', '!!!')", [id2]);
    await rejects(loadItem(context(), id2), 'value', /cannot decrypt itemcryptedparam x/);
  });

  it('a crypt key that is missing is a BILLmanager error naming the file', async () => {
    const id = await rig.addItem({ pricelist: 'certificate-comodo-ev', crypted: { a: 'b' } });
    const fs = await import('node:fs');
    const path = await import('node:path');
    const key = path.join(rig.root, 'etc', 'billmgr.pem');
    fs.renameSync(key, `${key}.away`);
    try {
      await rejects(loadItem(context(), id), 'billmgr', /billmgr\.pem/);
    } finally {
      fs.renameSync(`${key}.away`, key);
    }
  });
});

describe('locks (MariaDB named locks on the run’s own connection)', () => {
  it('a second holder waits, then hears busy; a lock dies with its connection, and assertHeld notices', async () => {
    const log = createLogger('debug').child({ command: 'test' });
    const [a, b] = [context(), context()];
    const first = await acquireLock(await a.db(), 'item-424242', log, 1000);
    await first.assertHeld();
    const started = Date.now();
    await rejects(acquireLock(await b.db(), 'item-424242', log, 1000), 'busy', /another pmenomssl run holds item-424242/);
    assert.ok(Date.now() - started >= 900, 'it waited for the lock');
    // The holder's connection dies (a killed run, a restarted server): the server drops its locks.
    const [row] = await (await a.db()).query<{ id: number }>('SELECT CONNECTION_ID() AS id');
    await rig.db.query(`KILL ${Number(row?.id)}`);
    await assert.rejects(first.assertHeld(), ModuleError);
    const second = await acquireLock(await b.db(), 'item-424242', log, 1000);
    await second.assertHeld();
    await second.release();
    // Released: anyone may take it at once.
    const third = await acquireLock(await b.db(), 'item-424242', log, 1000);
    await third.release();
  });
});

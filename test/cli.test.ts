// The built dist/pmenomssl as BILLmanager runs it: argv, stdout XML, exit codes, the log, the
// running-operation error path, DoNothing. Real MariaDB, fake mgrctl.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { PRODUCTS } from '../src/products';
import { createRig, parseErrorXml, REPO, type Rig } from './support/rig';

const LOG_LINE = /^[A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} \[\d+\] pmenomssl (DEBUG|INFO|WARN|ERR|CRIT) \[[^\s\]]+( (item|module|runningoperation)=("[^"]*"|[^\s\]"]+))*\] \S/;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['template', 'feature', 'param'].includes(n) });

let rig: Rig;
/** The processing module of the service commands' items (never asked: they change nothing at ENOM). */
let enomModule: number;
before(async () => {
  rig = await createRig();
  enomModule = await rig.addModule({ url: 'http://127.0.0.1:9/interface.asp', username: 'u', password: 'never-used' });
});
after(async () => rig?.close());

function assertErrorRun(r: { code: number | null; stdout: string; stderr: string }, type: string, object: string) {
  assert.notEqual(r.code, 0, 'must exit non-zero');
  const e = parseErrorXml(r.stdout);
  assert.ok(e, `no error XML on stdout: ${r.stdout}`);
  assert.equal(e.type, type, r.stdout);
  assert.equal(e.object, object, r.stdout);
  assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, 'a stack trace escaped');
  return e;
}

describe('features', () => {
  it('prints the features XML of billmanager.md §3', async () => {
    const r = await rig.run(['--command', 'features']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stderr, '');
    const doc = parser.parse(r.stdout).doc;
    assert.equal(doc.itemtypes.itemtype.name, 'certificate');
    assert.deepEqual(doc.params.param, [{ name: 'url' }, { name: 'username' }, { name: 'password', crypted: 'yes' }]);
    const byName = new Map<string, Record<string, string>>(doc.templates.template.map((t: Record<string, string>) => [t.name, t]));
    assert.equal(byName.size, PRODUCTS.length);
    assert.deepEqual(byName.get('certificate-rapidssl-rapidssl'), { name: 'certificate-rapidssl-rapidssl', id: 'certificate-rapidssl-rapidssl', www: 'yes' });
    assert.deepEqual(byName.get('certificate-comodo-essential-wildcard'), { name: 'certificate-comodo-essential-wildcard', id: 'certificate-comodo-essential-wildcard', wildcard: 'yes' });
    assert.deepEqual(byName.get('certificate-comodo-ucc-ov'), { name: 'certificate-comodo-ucc-ov', id: 'certificate-comodo-ucc-ov', multidomain: 'yes', orginfo: 'yes' });
    assert.deepEqual(byName.get('certificate-geotrust-truebizid-ev'), { name: 'certificate-geotrust-truebizid-ev', id: 'certificate-geotrust-truebizid-ev', orginfo: 'yes', www: 'yes' });
    const features = (doc.features?.feature ?? []).map((f: { name: string }) => f.name);
    // Exactly the commands that work end to end (each has its own end-to-end tests).
    assert.deepEqual([...features].sort(), [
      'approver', 'check_connection', 'close', 'getbalance', 'open', 'prolong', 'reopen', 'resume', 'send_dv_email', 'setparam', 'suspend', 'sync_item', 'tune_connection', 'usercreate',
    ]);
  });

  it('ignores and logs unknown options', async () => {
    const r = await rig.run(['--command', 'features', '--newcoreoption', 'x', '--lang', 'ru']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^<doc><itemtypes>/);
    assert.match(rig.logText(), /WARN \[features\] ignoring unknown command-line arguments ignored="--newcoreoption x"/);
  });
});

describe('bad command lines get an error XML and a non-zero exit', () => {
  const cases: [string, string[], string, string][] = [
    ['no command', [], 'missing', 'command'],
    ['unknown command', ['--command', 'nonsense'], 'value', 'command'],
    ['Object member as command', ['--command', '__proto__'], 'value', 'command'],
    ['open without item', ['--command', 'open'], 'missing', 'item'],
    ['open with a non-numeric item', ['--command', 'open', '--item', 'abc'], 'value', 'item'],
    ['item zero', ['--command', 'suspend', '--item', '0'], 'value', 'item'],
    ['huge item id', ['--command', 'suspend', '--item', '99999999999999999999'], 'value', 'item'],
    ['negative item id', ['--command', 'suspend', '--item', '-5'], 'value', 'item'],
    ['SQL in item id', ['--command', 'suspend', '--item', '1 OR 1=1'], 'value', 'item'],
    ['option without its value', ['--command', 'suspend', '--item'], 'missing', 'item'],
    ['non-numeric module', ['--command', 'approver', '--module', '1;rm -rf /', '--domain', 'a.com'], 'value', 'module'],
    ['approver without domain', ['--command', 'approver', '--module', '1'], 'missing', 'domain'],
    ['send_dv_email without emails', ['--command', 'send_dv_email', '--item', '3'], 'missing', 'emails'],
  ];
  for (const [name, args, type, object] of cases) {
    it(name, async () => {
      assertErrorRun(await rig.run(args), type, object);
    });
  }

  it('--help and --version answer an admin and exit 0', async () => {
    const help = await rig.run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--command <name>/);
    assert.match(help.stdout, /features +print the features XML/);
    assert.match(help.stdout, /var\/pmenomssl\.log/);
    const version = await rig.run(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
  });

  it('beside a --command, -V/--version/-h/--help are refused and nothing is done (an admin asking for help buys nothing)', async () => {
    const features = await rig.run(['--command', 'features', '--newopt', '-V']);
    const f = assertErrorRun(features, 'value', 'version');
    assert.match(f.msg, /stand alone/);
    assert.doesNotMatch(features.stdout, /<itemtypes>|\d+\.\d+\.\d+\n/);

    const module = await rig.addModule({ url: 'http://127.0.0.1:9/interface.asp', username: 'u', password: 'never-used' });
    const item = await rig.addItem({ pricelist: 'certificate-rapidssl-rapidssl', module });
    rig.clearCalls();
    const close = await rig.run(['--command', 'close', '--item', String(item), '--help']);
    assertErrorRun(close, 'value', 'help');
    assert.doesNotMatch(close.stdout, /Usage/);
    // (the launcher asks paramlist, read-only, for any run with --item, before Node starts)
    assert.deepEqual(rig.calls().filter((c) => c.func !== 'paramlist'), [], 'close did not run: BILLmanager was told nothing');
    assert.match(rig.logText(), new RegExp(`ERR \\[close item=${item}\\] --help and --version stand alone`));
  });
});

describe('the log', () => {
  it('has one mgr5-format line per event, each with its command and ids', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-rapidssl-rapidssl', module: enomModule });
    await rig.run(['--command', 'suspend', '--item', String(item)]);
    const lines = rig.logText().trim().split('\n');
    assert.ok(lines.length >= 3);
    for (const l of lines) assert.match(l, LOG_LINE);
    assert.ok(lines.some((l) => l.includes(`[suspend item=${item}] mgrctl service.postsuspend`)));
  });

  it('features and approver write no line at the default level; a warning of theirs is still written', async () => {
    const before = rig.logText().length;
    assert.equal((await rig.run(['--command', 'features'])).code, 0);
    assert.equal((await rig.run(['--command', 'approver', '--module', '1', '--domain', 'www.example.com'])).code, 0);
    assert.equal(rig.logText().slice(before), '', 'asked at every core start and on every order form: nothing to say');
    const r = await rig.run(['--command', 'approver', '--module', '1', '--domain', 'www.example.com', '--intname', 'certificate-no-such']);
    assert.equal(r.code, 0, r.stdout);
    const added = rig.logText().slice(before).trim().split('\n');
    assert.equal(added.length, 1, added.join('\n'));
    assert.match(added[0]!, LOG_LINE);
    assert.match(added[0]!, / WARN \[approver module=1\] unknown product; listing the generic approvers intname=certificate-no-such$/);
  });

  it('follows etc/debug.conf', async () => {
    fs.writeFileSync(path.join(rig.root, 'etc', 'debug.conf'), 'pmenomssl 9\n');
    try {
      await rig.run(['--command', 'features']);
      assert.match(rig.logText(), / DEBUG \[features\] start/);
      assert.match(rig.logText(), / DEBUG \[features\] done ms=\d+/);
    } finally {
      fs.rmSync(path.join(rig.root, 'etc', 'debug.conf'));
    }
  });
});

describe('service commands and BILLmanager', () => {
  it('suspend/resume/setparam load the item once and post to BILLmanager', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    for (const cmd of ['suspend', 'resume', 'setparam']) {
      rig.clearCalls();
      const r = await rig.run(['--command', cmd, '--item', String(item)]);
      assert.equal(r.code, 0, r.stdout);
      assert.deepEqual(rig.calls(), [
        { func: 'paramlist', params: {} },
        { func: `service.post${cmd}`, params: { elid: String(item), sok: 'ok' } },
      ]);
    }
    const [[row]] = (await rig.db.query('SELECT status FROM item WHERE id = ?', [item])) as unknown as [{ status: number }[]];
    assert.equal(row!.status, 2); // resumed by the fake mgrctl's service.postresume
  });

  it('does nothing and succeeds while etc/billmgr.DoNothing exists', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    fs.writeFileSync(path.join(rig.root, 'etc', 'billmgr.DoNothing'), '');
    try {
      rig.clearCalls();
      const r = await rig.run(['--command', 'suspend', '--item', String(item)]);
      assert.equal(r.code, 0);
      assert.deepEqual(rig.calls(), []);
      assert.match(rig.logText(), /DoNothing exists/);
    } finally {
      fs.rmSync(path.join(rig.root, 'etc', 'billmgr.DoNothing'));
    }
  });

  it('a retryable failure reaches the running operation, without asking for a human', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    const ro = await rig.addRunningOperation(item, 'suspend');
    rig.setMgrctl({ fail: { 'service.postsuspend': 'exit' } });
    try {
      rig.clearCalls();
      const r = await rig.run(['--command', 'suspend', '--item', String(item), '--runningoperation', String(ro)]);
      assertErrorRun(r, 'billmgr', 'mgrctl');
      const funcs = rig.calls().map((c) => c.func);
      assert.deepEqual(funcs, ['paramlist', 'service.postsuspend', 'runningoperation.edit']);
      const [[op]] = (await rig.db.query('SELECT errorxml, manual FROM runningoperation WHERE id = ?', [ro])) as unknown as [{ errorxml: string; manual: string }[]];
      assert.equal(op!.errorxml, r.stdout.trim());
      assert.equal(op!.manual, 'off');
    } finally {
      rig.setMgrctl({ fail: {} });
    }
  });

  it('a retryable failure on the last of its ten tries makes the operation manual and opens a staff task', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    const ro = await rig.addRunningOperation(item, 'suspend');
    rig.setMgrctl({ fail: { 'service.postsuspend': 'exit' } });
    try {
      // the ninth try: BILLmanager retries once more
      await rig.db.query('UPDATE runningoperation SET trycount = 8 WHERE id = ?', [ro]);
      rig.clearCalls();
      const ninth = await rig.run(['--command', 'suspend', '--item', String(item), '--runningoperation', String(ro)]);
      assertErrorRun(ninth, 'billmgr', 'mgrctl');
      assert.deepEqual(rig.calls().map((c) => c.func), ['paramlist', 'service.postsuspend', 'runningoperation.edit']);
      // the tenth: staff
      await rig.db.query('UPDATE runningoperation SET trycount = 9 WHERE id = ?', [ro]);
      rig.clearCalls();
      const r = await rig.run(['--command', 'suspend', '--item', String(item), '--runningoperation', String(ro)]);
      assertErrorRun(r, 'billmgr', 'mgrctl');
      const funcs = rig.calls().map((c) => c.func);
      assert.deepEqual(funcs, ['paramlist', 'service.postsuspend', 'runningoperation.edit', 'runningoperation.setmanual', 'task.gettype', 'task.edit']);
      const [[op]] = (await rig.db.query('SELECT manual FROM runningoperation WHERE id = ?', [ro])) as unknown as [{ manual: string }[]];
      assert.equal(op!.manual, 'on');
      assert.match(rig.logText(), /handing it to staff/);
    } finally {
      rig.setMgrctl({ fail: {} });
    }
  });

  it('a failure retrying cannot fix makes the operation manual and opens a staff task', async () => {
    const ro = await rig.addRunningOperation(null, 'suspend');
    rig.clearCalls();
    const r = await rig.run(['--command', 'suspend', '--item', '987654', '--runningoperation', String(ro)]);
    assertErrorRun(r, 'value', 'item');
    const calls = rig.calls();
    assert.deepEqual(calls.map((c) => c.func), ['paramlist', 'runningoperation.edit', 'runningoperation.setmanual', 'task.gettype', 'task.edit']);
    assert.deepEqual(calls[3]!.params, { operation: 'suspend' });
    assert.deepEqual(calls[4]!.params, { item: '987654', runningoperation: String(ro), type: '7', sok: 'ok' });
    const [[op]] = (await rig.db.query('SELECT manual FROM runningoperation WHERE id = ?', [ro])) as unknown as [{ manual: string }[]];
    assert.equal(op!.manual, 'on');
  });

  it('no task type from BILLmanager means no staff task: the operation is still made manual, and the log says why', async () => {
    const ro = await rig.addRunningOperation(null, 'suspend');
    rig.setMgrctl({ taskType: null });
    try {
      rig.clearCalls();
      const logged = rig.logText().length;
      const r = await rig.run(['--command', 'suspend', '--item', '987655', '--runningoperation', String(ro)]);
      assertErrorRun(r, 'value', 'item');
      assert.deepEqual(rig.calls().map((c) => c.func), ['paramlist', 'runningoperation.edit', 'runningoperation.setmanual', 'task.gettype'], 'no task.edit');
      const [[op]] = (await rig.db.query('SELECT manual FROM runningoperation WHERE id = ?', [ro])) as unknown as [{ manual: string }[]];
      assert.equal(op!.manual, 'on');
      assert.match(rig.logText().slice(logged), /WARN \[suspend item=987655 runningoperation=\d+\] no staff task created: BILLmanager names no task type/);
    } finally {
      rig.setMgrctl({ taskType: '7' });
    }
  });

  it("crypted params are decrypted with the key paramlist's CryptKey names, relative to the root", async () => {
    const etc = path.join(rig.root, 'etc');
    const rigKey = path.join(etc, 'billmgr.pem');
    const moved = path.join(etc, 'keys', 'crypt.pem');
    const module = await rig.addModule({ url: 'http://127.0.0.1:9/interface.asp', username: 'u', password: 'Crypt-Key-Pa55' });
    // never ordered: sync_item decrypts the item's and its module's params, then has nothing to ask ENOM
    const item = await rig.addItem({ pricelist: 'certificate-rapidssl-rapidssl', module, crypted: { secretparam: 'crypted-value' } });
    // The rig's key where CryptKey points; at etc/billmgr.pem another key, which cannot decrypt.
    fs.mkdirSync(path.dirname(moved), { recursive: true });
    fs.renameSync(rigKey, moved);
    const { privateKey } = (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(rigKey, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    try {
      rig.setMgrctl({ paramlist: { CryptKey: 'etc/keys/crypt.pem' } });
      const r = await rig.run(['--command', 'sync_item', '--item', String(item)]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(rig.logText(), new RegExp(`\\[sync_item item=${item}\\] not ordered at ENOM yet`));
      // and the same run without CryptKey reads etc/billmgr.pem: the check above could fail
      rig.setMgrctl({ paramlist: {} });
      assertErrorRun(await rig.run(['--command', 'sync_item', '--item', String(item)]), 'value', 'itemcryptedparam secretparam');
    } finally {
      rig.setMgrctl({ paramlist: {} });
      fs.renameSync(moved, rigKey);
    }
  });

  it('a BILLmanager that answers mgrctl with an error XML is an error too', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    rig.setMgrctl({ fail: { 'service.postresume': 'error' } });
    try {
      const r = await rig.run(['--command', 'resume', '--item', String(item)]);
      const e = assertErrorRun(r, 'billmgr', 'mgrctl');
      assert.match(e.msg, /service\.postresume returned an error/);
    } finally {
      rig.setMgrctl({ fail: {} });
    }
  });

  it('a database that refuses the credentials is named with its error code, and the password shown nowhere', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    rig.setMgrctl({ paramlist: { DBPassword: 'Wr0ng-Db-Pa55' } });
    try {
      const r = await rig.run(['--command', 'suspend', '--item', String(item)]);
      const e = assertErrorRun(r, 'billmgr', 'database');
      assert.equal(e.value, 'ER_ACCESS_DENIED_ERROR', r.stdout);
      assert.doesNotMatch(r.stdout + r.stderr + rig.logText(), /Wr0ng-Db-Pa55/);
    } finally {
      rig.setMgrctl({ paramlist: {} });
    }
  });

  it('a paramlist answer that is not XML is named by its fault and line, and no part of the database password is logged', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    // `&` and a space: where the log's DBPassword pattern stops
    const parts = ['Xq7Head', 'Mid8', 'Tail9Zz'];
    rig.setMgrctl({ fail: { paramlist: 'garbage' }, paramlist: { DBPassword: `${parts[0]}&${parts[1]} ${parts[2]}` } });
    try {
      const r = await rig.run(['--command', 'suspend', '--item', String(item)]);
      const e = assertErrorRun(r, 'billmgr', 'mgrctl');
      assert.match(e.msg, /mgrctl paramlist answered with something that is not XML \(malformed XML \(\w+ at line 1, column \d+\)\)/);
      const log = rig.logText();
      assert.match(log, /ERR \[suspend item=\d+\] mgrctl paramlist answered with something that is not XML .*stdoutChars=\d+/);
      for (const part of parts) assert.ok(!(r.stdout + r.stderr + log).includes(part), `${part} shown`);
    } finally {
      rig.setMgrctl({ fail: {}, paramlist: {} });
    }
  });

  it('a database that is not there is named with what connecting to it said: no socket file, a port nobody listens on', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    // A port that was free a moment ago.
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const sock = path.join(rig.root, 'no-such-mysqld.sock');
    const cases = [
      [{ DBSocket: sock }, `socket ${sock}`, 'ENOENT'],
      [{ DBSocket: '', DBHost: '127.0.0.1', DBPort: String(port) }, `127.0.0.1:${port}`, 'ECONNREFUSED'],
    ] as const;
    try {
      for (const [paramlist, target, code] of cases) {
        rig.setMgrctl({ paramlist });
        const r = await rig.run(['--command', 'suspend', '--item', String(item)], { timeoutMs: 20_000 });
        assert.equal(r.timedOut, false);
        const e = assertErrorRun(r, 'billmgr', 'database');
        assert.equal(e.value, code, r.stdout);
        assert.ok(r.stdout.includes(`cannot connect to the BILLmanager database at ${target}: ${code}`), r.stdout);
      }
    } finally {
      rig.setMgrctl({ paramlist: {} });
    }
  });

  it('an unreachable database is a clear error, not a hang', async () => {
    const item = await rig.addItem({ pricelist: 'certificate-comodo-essential', module: enomModule });
    rig.setMgrctl({ fail: { paramlist: 'exit' } });
    try {
      const r = await rig.run(['--command', 'suspend', '--item', String(item)], { timeoutMs: 20_000 });
      assert.equal(r.timedOut, false);
      assertErrorRun(r, 'billmgr', 'mgrctl');
    } finally {
      rig.setMgrctl({ fail: {} });
    }
  });
});

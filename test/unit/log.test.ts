import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, fileDestination } from '../../src/billmgr/log';
import { formatRecord, formatTime, readLogLevel, registerSecret, scrub } from '../../src/billmgr/logline';

function memoryLogger(level: 'debug' | 'info' = 'debug') {
  const lines: string[] = [];
  const log = createLogger(level, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

const LINE = /^[A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} \[\d+\] pmenomssl (DEBUG|INFO|WARN|ERR|CRIT) .*\n$/;

describe('log line format', () => {
  it('is the mgr5 format with the run context first', () => {
    const { log, lines } = memoryLogger();
    log.child({ command: 'open', item: 42 }).info({ ms: 12, product: 'certificate-rapidssl-rapidssl' }, 'ENOM PurchaseServices');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, LINE);
    assert.match(lines[0]!, / pmenomssl INFO \[open item=42\] ENOM PurchaseServices ms=12 product=certificate-rapidssl-rapidssl\n$/);
  });

  it('formats the time as Mon D HH:MM:SS', () => {
    assert.equal(formatTime(new Date(2026, 10, 7, 3, 4, 5)), 'Nov 7 03:04:05');
  });

  it('keeps one event on one line even when a message has newlines', () => {
    const out = formatRecord({ level: 'error', bindings: {}, msg: 'first\nNov 27 12:00:00 [1] pmenomssl INFO forged' });
    assert.equal(out.split('\n').length, 2);
    assert.match(out, / ERR first\\nNov 27/);
  });

  it('an argv command cannot forge the context of a line', () => {
    for (const command of ['x item=42] certificate issued [sync_item', 'x]', 'a=b']) {
      const out = formatRecord({ level: 'error', bindings: { command }, msg: 'unknown command' });
      assert.ok(out.includes(`[${JSON.stringify(command)}] unknown command`), out);
    }
    assert.match(formatRecord({ level: 'info', bindings: { command: 'sync_item', item: 7 }, msg: 'm' }), / INFO \[sync_item item=7\] m\n$/);
  });

  it('quotes values with spaces', () => {
    assert.match(formatRecord({ level: 'info', bindings: {}, fields: { why: 'two words' }, msg: 'm' }), /why="two words"/);
  });
});

describe('secrets never reach the log', () => {
  it('redacts secret keys at any depth the logger knows', () => {
    const { log, lines } = memoryLogger();
    log.info({ pw: 'hunter2-pw', password: 'hunter2-pass', params: { pw: 'nested-pw', DBPassword: 'db-secret' } }, 'call');
    log.child({ module: 3 }).warn({ request: { form: { fields: [{ privateKey: 'deep-key' }], password: 'deep-pass' } } }, 'deeper');
    const text = lines.join('');
    for (const s of ['hunter2-pw', 'hunter2-pass', 'nested-pw', 'db-secret', 'deep-key', 'deep-pass']) assert.ok(!text.includes(s), `${s} leaked: ${text}`);
    assert.match(text, /request=\{"form":\{"fields":\[\{"privateKey":"\[redacted\]"\}\],"password":"\[redacted\]"\}\}/);
    assert.match(text, /\[redacted\]/);
  });

  it('finds a registered secret written with XML references (&apos;, &#38;)', () => {
    registerSecret("db's-Pa55&x");
    for (const echo of ['db&apos;s-Pa55&amp;x', 'db&#39;s-Pa55&#38;x']) assert.ok(!scrub(`Access denied: ${echo}`).includes('Pa55'), echo);
    assert.equal(scrub('plain &amp; text'), 'plain &amp; text');
  });

  it('removes private keys and pw= parameters from any text', () => {
    const { log, lines } = memoryLogger();
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\n-----END RSA PRIVATE KEY-----';
    log.debug(`body command=GetBalance&uid=me&pw=Plain%26Secret&responsetype=xml key ${pem}`);
    const text = lines.join('');
    assert.ok(!text.includes('Plain%26Secret'));
    assert.ok(!text.includes('MIIEowIBAAKCAQEA1234'));
    assert.match(text, /pw=\[redacted\]/);
    assert.match(text, /\[private key removed\]/);
  });

  it('an error is its name, code and message; a value JSON cannot show does not break the line', () => {
    const { log, lines } = memoryLogger();
    const err = Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' });
    const loop: Record<string, unknown> = { password: 'loop-secret' };
    loop.self = loop;
    log.error({ err, nested: { cause: new TypeError('bad') }, loop, big: 10n }, 'failed');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, / ERR failed err="Error\(ECONNREFUSED\): connect refused" nested=\{"cause":"TypeError: bad"\} loop=/);
    assert.match(lines[0]!, / big=10\n$/);
    assert.ok(!lines[0]!.includes('loop-secret'), lines[0]);
  });

  it('a log that cannot be opened or written does not fail the command', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-log-'));
    fs.mkdirSync(path.join(dir, 'pmenomssl.log')); // a directory where the file should be: open fails
    assert.doesNotThrow(() => createLogger('info', fileDestination(path.join(dir, 'pmenomssl.log'))).info('cannot open'));
    // /dev/full opens, and every write to it fails with ENOSPC, as a full disk does
    if (fs.existsSync('/dev/full')) assert.doesNotThrow(() => createLogger('info', fileDestination('/dev/full')).info('cannot write'));
  });

  it('removes registered secret values in every encoding, wherever they appear', () => {
    registerSecret('S3cr3t-Pa55&word');
    const { log, lines } = memoryLogger();
    log.error({ detail: 'login S3cr3t-Pa55&word failed' }, 'ENOM said S3cr3t-Pa55%26word and S3cr3t-Pa55&amp;word');
    const text = lines.join('');
    assert.ok(!/S3cr3t-Pa55/.test(text), text);
    assert.equal(scrub('x S3cr3t-Pa55&word y'), 'x [redacted] y');
  });
});

describe('log level from etc/debug.conf', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmenomssl-debugconf-'));
  const file = path.join(dir, 'debug.conf');
  it('defaults to info without a file', () => assert.equal(readLogLevel(path.join(dir, 'none')), 'info'));
  const levels = (cases: [string, string][]) => () => {
    for (const [text, level] of cases) {
      fs.writeFileSync(file, text);
      assert.equal(readLogLevel(file), level, JSON.stringify(text));
    }
  };
  it('reads the module line', levels([['billmgr 4\npmenomssl 9\n', 'debug'], ['pmenomssl 3\n', 'error'], ['* 4\n', 'warn']]));
  it(
    'ignores comments after #, on a line of their own or after the level',
    levels([
      ['# levels for mgr5 modules\nbillmgr 4 # core\npmenomssl 9 # ENOM debugging\n', 'debug'],
      ['* 3#errors only\n#pmenomssl 9\n', 'error'],
      ['pmenomssl\t4\t# warnings\r\n', 'warn'],
    ]),
  );
  it(
    "reads ISPsystem's form: log.part and conditions after the level",
    levels([
      ['pmenomssl.* 9\n', 'debug'],
      ['pmenomssl.enom 4\n', 'warn'],
      ['*.* 9\n', 'debug'],
      ['billmgr.* 9\npmenomssl 9 ip=192.0.2.1\n', 'debug'],
      ['pmenomsslx 9\npmenomssl2.* 9\n', 'info'],
      ['pmenomssl 9x\n', 'info'],
    ]),
  );
  it('does not log debug lines at info', () => {
    const { log, lines } = memoryLogger('info');
    log.debug('hidden');
    log.info('shown');
    assert.equal(lines.length, 1);
  });
});

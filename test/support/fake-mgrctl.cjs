#!/usr/bin/env node
// A stand-in for BILLmanager's mgrctl: records every call in $ROOT/mgrctl.jsonl, applies the writes a
// processing module makes to the test database, answers paramlist, and fails when told to
// ($ROOT/fake-mgrctl.json: { fail: { "service.setstatus": "exit" | "error" | "garbage" | "hang" } }).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = process.env.FAKE_MGRCTL_ROOT;
const config = JSON.parse(fs.readFileSync(path.join(root, 'fake-mgrctl.json'), 'utf8'));

const argv = process.argv.slice(2);
const flags = {};
const params = {};
let func = '';
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '-m' || a === '-o') flags[a] = argv[++i];
  else if (!func && !a.includes('=')) func = a;
  else {
    const eq = a.indexOf('=');
    params[a.slice(0, eq)] = a.slice(eq + 1);
  }
}

// shell, shellParent: the argv and the parent of the process that started this one (the shell that
// runs mgrctl for pmenomssl); node: the argv of that parent (pmenomssl's Node);
// handedVar: whether PMENOMSSL_SHELL, the launcher's note to Node, reached us (it must not).
let shell = [];
let shellParent = 0;
let node = [];
try {
  shell = fs.readFileSync(`/proc/${process.ppid}/cmdline`, 'latin1').split('\0').slice(0, -1);
  const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, 'latin1');
  shellParent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  node = fs.readFileSync(`/proc/${shellParent}/cmdline`, 'latin1').split('\0').slice(0, -1);
} catch {}
const handedVar = 'PMENOMSSL_SHELL' in process.env;
fs.appendFileSync(path.join(root, 'mgrctl.jsonl'), JSON.stringify({ func, params, flags, pid: process.pid, ppid: process.ppid, shell, shellParent, node, handedVar, at: Date.now() }) + '\n');

const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const failure = (config.fail || {})[func];
if (failure === 'exit') {
  process.stderr.write(`mgrctl: ${func} failed (told to)\n`);
  process.exit(3);
}
if (failure === 'garbage') {
  // paramlist's answer cut off: not XML, and the database password in it (first, so that any
  // shortened copy of the answer would still hold it)
  const { DBPassword, ...rest } = config.paramlist;
  process.stdout.write(`<doc><elem><DBPassword>${xmlEscape(DBPassword)}</DBPassword></elem>${Object.entries(rest).map(([k, v]) => `<elem><${k}>${xmlEscape(v)}</${k}>`).join('')}<elem`);
  process.exit(0);
}
if (failure === 'error') {
  process.stdout.write(`<?xml version="1.0" encoding="UTF-8"?>\n<doc><error type="access" object="${xmlEscape(func)}"><msg>told to fail</msg></error></doc>\n`);
  process.exit(0);
}
// What BILLmanager's mgrctl knows of what a processing module calls (billmanager.md §4-6): a call
// to anything else, a write without sok=ok (mgrctl would only show the form), an answer asked for
// without -o xml (the module reads XML), or an elid naming no such row fails, as the real one would.
const READS = new Set(['paramlist', 'task.gettype']);
const ITEM_FUNCS = new Set([
  'service.postopen', 'service.postclose', 'service.postsuspend', 'service.postresume', 'service.postprolong', 'service.postsetparam', 'service.postreopen',
  'service.setstatus', 'service.setexpiredate', 'service.saveparam', 'certificate.save', 'certificate.open', 'certificate.failed',
]);
const OTHER_WRITES = new Set(['processing.savebalance', 'runningoperation.edit', 'runningoperation.setmanual', 'task.edit']);

async function check(conn) {
  if (flags['-o'] !== 'xml') throw new Error(`${func}: expected -o xml, got ${flags['-o']}`);
  if (!READS.has(func) && !ITEM_FUNCS.has(func) && !OTHER_WRITES.has(func)) throw new Error(`unknown function ${func}`);
  if (!READS.has(func) && params.sok !== 'ok') throw new Error(`${func} without sok=ok`);
  const exists = async (table, id) => {
    const [rows] = await (await conn()).query(`SELECT id FROM ${table} WHERE id = ?`, [id]);
    if (rows.length === 0) throw new Error(`${func}: no ${table} ${id}`);
  };
  if (ITEM_FUNCS.has(func)) await exists('item', params.elid);
  if (func.startsWith('runningoperation.')) await exists('runningoperation', params.elid);
  if (func === 'task.edit') {
    await exists('item', params.item);
    await exists('runningoperation', params.runningoperation);
  }
  if (func === 'processing.savebalance') await exists('processingmodule', params.processingmodule);
}

async function main() {
  if (flags['-m'] !== 'billmgr') throw new Error(`expected -m billmgr, got ${flags['-m']}`);
  let connection;
  const conn = () => (connection ??= require('mysql2/promise').createConnection({ socketPath: config.db.socket, user: config.db.user, password: config.db.password, database: config.db.database }));
  try {
    await check(conn);
    await answer(conn);
  } finally {
    if (connection) await (await connection).end();
  }
}

async function answer(conn) {
  if (func === 'paramlist') {
    const elems = Object.entries(config.paramlist).map(([k, v]) => `<elem><${k}>${xmlEscape(v)}</${k}></elem>`).join('');
    return out(`<doc>${elems}</doc>`);
  }
  if (func === 'task.gettype') return out(config.taskType ? `<doc><task_type>${xmlEscape(config.taskType)}</task_type></doc>` : '<doc/>');
  const sql = writes[func];
  if (sql) await sql(await conn(), params);
  out('<doc><ok/></doc>');
}

function out(xml) {
  process.stdout.write(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`);
}

function need(p, ...keys) {
  for (const k of keys) if (p[k] === undefined) throw new Error(`missing ${k}`);
}

const setParam = (conn, item, name, value) =>
  conn.query('INSERT INTO itemparam (item, intname, value) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)', [item, name, value]);

const writes = {
  'service.saveparam': async (c, p) => {
    need(p, 'elid', 'name', 'value');
    await setParam(c, p.elid, p.name, p.value);
  },
  'service.setstatus': async (c, p) => {
    need(p, 'elid', 'service_status');
    await setParam(c, p.elid, 'service_status', p.service_status);
  },
  'service.setexpiredate': async (c, p) => {
    need(p, 'elid', 'expiredate');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(p.expiredate)) throw new Error(`bad expiredate ${p.expiredate}`);
    await c.query('UPDATE item SET expiredate = ? WHERE id = ?', [p.expiredate, p.elid]);
  },
  'certificate.save': async (c, p) => {
    need(p, 'elid', 'crt');
    await c.query('INSERT INTO certificate (item, crt) VALUES (?, ?) ON DUPLICATE KEY UPDATE crt = VALUES(crt)', [p.elid, p.crt]);
  },
  'processing.savebalance': async (c, p) => {
    need(p, 'processingmodule', 'balance', 'currency', 'notify_time');
    await c.query(
      'INSERT INTO fake_balance (processingmodule, balance, currency, notify_time) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE balance = VALUES(balance), currency = VALUES(currency), notify_time = VALUES(notify_time)',
      [p.processingmodule, p.balance, p.currency, p.notify_time],
    );
  },
  'runningoperation.edit': async (c, p) => {
    need(p, 'elid');
    await c.query('UPDATE runningoperation SET errorxml = ?, trycount = trycount + 1 WHERE id = ?', [p.errorxml ?? null, p.elid]);
  },
  'runningoperation.setmanual': async (c, p) => {
    need(p, 'elid');
    await c.query("UPDATE runningoperation SET manual = 'on' WHERE id = ?", [p.elid]);
  },
  'service.postopen': async (c, p) => {
    need(p, 'elid');
    await c.query('UPDATE item SET status = 2, opendate = COALESCE(opendate, CURDATE()) WHERE id = ?', [p.elid]);
  },
  'service.postclose': async (c, p) => {
    need(p, 'elid');
    await c.query('UPDATE item SET status = 4 WHERE id = ?', [p.elid]);
  },
  'service.postsuspend': async (c, p) => {
    need(p, 'elid');
    await c.query('UPDATE item SET status = 3 WHERE id = ?', [p.elid]);
  },
  'service.postresume': async (c, p) => {
    need(p, 'elid');
    await c.query('UPDATE item SET status = 2 WHERE id = ?', [p.elid]);
  },
};

if (failure === 'hang') setInterval(() => {}, 1000);
else main().catch((e) => {
  process.stderr.write(`fake mgrctl: ${e && e.message}\n`);
  process.exit(2);
});

// Loading a service (item) and a processing module from BILLmanager's database. Rows are validated:
// a billing database edited by hand is as hostile as any other input.
// zod/mini: zod 4's functional API, a fraction of classic zod's cost to load and to make schemas.
import * as z from 'zod/mini';
import type { Context } from './context';
import { ModuleError } from './errors';
import { registerSecret } from './logline';

// Each schema here validates a document or two per run: zod's JIT (a `new Function` per object
// schema, compiled afresh in every process) costs more than it saves. Set before any schema is made.
z.config({ jitless: true });
import { MODULE_NAME, paths } from './paths';

export interface Item {
  id: number;
  status: number;
  /** months */
  period: number;
  expiredate: string | null;
  opendate: string | null;
  processingmodule: number | null;
  /** the tariff's internal name: an ENOM service code in lower case */
  pricelist: string;
  itemtype: string;
  params: Record<string, string>;
  /** the CSR and issued certificate from `certificate`; the private key is never read */
  csr: string | null;
  crt: string | null;
}

export interface ProcessingModule {
  id: number;
  name: string;
  active: boolean;
  params: Record<string, string>;
}

const integer = z.pipe(z.coerce.number(), z.int());
const id = z.pipe(z.coerce.number(), z.int().check(z.positive()));
const itemRow = z.object({
  id,
  status: integer,
  period: integer,
  expiredate: z.nullable(z.string()),
  opendate: z.nullable(z.string()),
  processingmodule: z.nullable(id),
  pricelist_intname: z.string().check(z.minLength(1, 'tariff has no internal name')),
  itemtype_intname: z.string(),
});
const paramRow = z.object({ intname: z.string(), value: z.nullable(z.string()) });
const certRow = z.object({ csr: z.nullable(z.string()), crt: z.nullable(z.string()) });
const moduleRow = z.object({ id, name: z.string(), module: z.string(), active: z.nullable(z.string()) });

function parseRow<T>(schema: z.ZodMiniType<T>, row: unknown, what: string): T {
  const r = schema.safeParse(row);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') || what;
    throw new ModuleError('billmgr', `${what} in BILLmanager's database is malformed: ${field}: ${issue?.message ?? 'invalid'}`, {
      object: what,
      value: field,
      retry: false,
    });
  }
  return r.data;
}

async function decryptRows(ctx: Context, rows: unknown[], what: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const parsed = rows.map((r) => parseRow(paramRow, r, what));
  if (parsed.length === 0) return out;
  // node:crypto (~8 ms to load) only for a run that has something to decrypt.
  const { loadCryptKey, decryptValue } = await import('./crypt');
  const key = loadCryptKey(paths.cryptKey((await ctx.paramlist()).CryptKey));
  for (const r of parsed) {
    if (r.value === null || r.value === '') continue;
    const v = decryptValue(r.value, key, `${what} ${r.intname}`);
    registerSecret(v);
    out[r.intname] = v;
  }
  return out;
}

function plainRows(rows: unknown[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows.map((row) => parseRow(paramRow, row, what))) out[r.intname] = r.value ?? '';
  return out;
}

const text = (c: string) => `CAST(${c} AS CHAR CHARACTER SET utf8mb4)`;

/**
 * Params tables in one statement (each statement is a round trip to the database), each row tagged
 * with its table. Every side is cast to one character set, so that tables created with different
 * collations over the years cannot make MariaDB refuse the UNION. [table, key column, key SQL]
 */
function paramsQuery(tables: [string, string, string][]): string {
  return tables.map(([table, key, value]) => `SELECT '${table}' AS tbl, ${text('intname')} AS intname, ${text('value')} AS value FROM ${table} WHERE ${key} = ${value}`).join('\nUNION ALL\n');
}

type ParamRow = { tbl?: unknown };

async function paramsOf(ctx: Context, rows: ParamRow[], plain: string, crypted: string): Promise<Record<string, string>> {
  return {
    ...plainRows(rows.filter((r) => r.tbl === plain), plain),
    ...(await decryptRows(ctx, rows.filter((r) => r.tbl === crypted), crypted)),
  };
}

function moduleOf(raw: unknown, id: number): Omit<ProcessingModule, 'params'> {
  const row = parseRow(moduleRow, raw, 'processingmodule');
  if (row.module !== MODULE_NAME) {
    throw new ModuleError('value', `processing module ${id} is a "${row.module}" module, not ${MODULE_NAME}`, { object: 'module', value: String(id) });
  }
  return { id: row.id, name: row.name, active: row.active !== 'off' };
}

const moduleNotFound = (id: number) => new ModuleError('value', `processing module ${id} not found in BILLmanager's database`, { object: 'module', value: String(id) });

export interface ItemAndModule {
  item: Item;
  /** the item's processing module, or the fallback given; undefined when neither names one */
  module?: ProcessingModule;
}

/**
 * The item (its tariff, params and certificate) and, with `module`, its processing module (or the
 * fallback id when the item names none) with that module's params: two statements, sent together.
 */
async function readItem(ctx: Context, itemId: number, module?: { fallback?: number; params?: false }): Promise<ItemAndModule> {
  const db = await ctx.db();
  // The item's processing module, else the fallback.
  const moduleIdSql = 'COALESCE((SELECT processingmodule FROM item WHERE id = ?), ?)';
  const fallback = module?.fallback ?? null;
  const withParams = module !== undefined && module.params !== false;
  const [rows, params] = await Promise.all([
    // certificate.item is unique, processingmodule.id the key: at most one row.
    db.query(
      `SELECT i.id, i.status, i.period, i.expiredate, i.opendate, i.processingmodule,
              p.intname AS pricelist_intname, t.intname AS itemtype_intname, c.csr, c.crt${module ? ',\n              m.id AS m_id, m.name AS m_name, m.module AS m_module, m.active AS m_active' : ''}
         FROM item i JOIN pricelist p ON p.id = i.pricelist JOIN itemtype t ON t.id = p.itemtype
         LEFT JOIN certificate c ON c.item = i.id${module ? '\n         LEFT JOIN processingmodule m ON m.id = COALESCE(i.processingmodule, ?)' : ''}
        WHERE i.id = ?`,
      module ? [fallback, itemId] : [itemId],
    ),
    db.query<ParamRow>(
      paramsQuery([
        ['itemparam', 'item', '?'],
        ['itemcryptedparam', 'item', '?'],
        ...(withParams ? ([['processingparam', 'processingmodule', moduleIdSql], ['processingcryptedparam', 'processingmodule', moduleIdSql]] as [string, string, string][]) : []),
      ]),
      withParams ? [itemId, itemId, itemId, fallback, itemId, fallback] : [itemId, itemId],
    ),
  ]);
  if (rows.length === 0) throw new ModuleError('value', `item ${itemId} not found in BILLmanager's database`, { object: 'item', value: String(itemId) });
  const raw = rows[0] as Record<string, unknown>;
  const row = parseRow(itemRow, raw, 'item');
  const cert = parseRow(certRow, raw, 'certificate');
  const item: Item = {
    id: row.id,
    status: row.status,
    period: row.period,
    expiredate: row.expiredate,
    opendate: row.opendate,
    processingmodule: row.processingmodule,
    pricelist: row.pricelist_intname.toLowerCase(),
    itemtype: row.itemtype_intname,
    params: await paramsOf(ctx, params, 'itemparam', 'itemcryptedparam'),
    csr: cert.csr,
    crt: cert.crt,
  };
  const id = row.processingmodule ?? module?.fallback;
  if (!module || id === undefined) return { item };
  if (raw.m_id === null || raw.m_id === undefined) throw moduleNotFound(id);
  const m = moduleOf({ id: raw.m_id, name: raw.m_name, module: raw.m_module, active: raw.m_active }, id);
  return { item, module: { ...m, params: withParams ? await paramsOf(ctx, params, 'processingparam', 'processingcryptedparam') : {} } };
}

export async function loadItem(ctx: Context, itemId: number): Promise<Item> {
  return (await readItem(ctx, itemId)).item;
}

/** The item and its processing module (`fallback` when the item names none), read together. */
export function loadItemAndModule(ctx: Context, itemId: number, fallback?: number): Promise<ItemAndModule> {
  return readItem(ctx, itemId, { fallback });
}

/** The item and which processing module it is (`fallback` when the item names none), without that module's settings. */
export function loadItemWithModuleId(ctx: Context, itemId: number, fallback?: number): Promise<ItemAndModule> {
  return readItem(ctx, itemId, { fallback, params: false });
}

export async function loadProcessingModule(ctx: Context, moduleId: number): Promise<ProcessingModule> {
  const db = await ctx.db();
  const [rows, params] = await Promise.all([
    db.query('SELECT id, name, module, active FROM processingmodule WHERE id = ?', [moduleId]),
    db.query<ParamRow>(paramsQuery([['processingparam', 'processingmodule', '?'], ['processingcryptedparam', 'processingmodule', '?']]), [moduleId, moduleId]),
  ]);
  if (rows.length === 0) throw moduleNotFound(moduleId);
  return { ...moduleOf(rows[0], moduleId), params: await paramsOf(ctx, params, 'processingparam', 'processingcryptedparam') };
}

/** Ids of every processing module that runs this module (for getbalance without --module). */
export async function listProcessingModules(ctx: Context, activeOnly = true): Promise<number[]> {
  const db = await ctx.db();
  const rows = await db.query<{ id: unknown; module: unknown }>(
    `SELECT id, module FROM processingmodule WHERE module = ?${activeOnly ? " AND active = 'on'" : ''} ORDER BY id`,
    [MODULE_NAME],
  );
  // The column's collation also finds 'PMENOMSSL' and 'pmenomssl ' equal; those are not us.
  return rows.filter((r) => r.module === MODULE_NAME).map((r) => parseRow(z.object({ id }), r, 'processingmodule').id);
}

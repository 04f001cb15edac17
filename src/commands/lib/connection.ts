// The ENOM connection settings of a processing module, from BILLmanager's stdin XML or its database.
// zod/mini: zod 4's functional API, a fraction of classic zod's cost to load and to make schemas.
import * as z from 'zod/mini';
import type { Context } from '../../billmgr/context';
import type { ProcessingModule } from '../../billmgr/item';
import { ModuleError } from '../../billmgr/errors';
import { child, text } from '../../billmgr/xml';
import { parseXml } from '../../billmgr/xml-parse';
import type { Connection } from './enom';

// Each schema here validates a document or two per run: zod's JIT (a `new Function` per object
// schema, compiled afresh in every process) costs more than it saves. Set before any schema is made.
z.config({ jitless: true });

const connectionSchema = z.object({
  url: z
    .string()
    .check(
      z.trim(),
      z.minLength(1, 'the API URL is empty'),
      z.refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'the API URL must be an http(s) URL'),
      z.refine((u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password), 'the API URL must not carry a user name or password (use the user name and password fields)'),
    ),
  username: z.string().check(z.trim(), z.minLength(1, 'the user name is empty')),
  password: z.string().check(z.minLength(1, 'the password is empty')),
});

/** A URL for an error message: any user:password@ part removed. */
function withoutCredentials(u: string): string {
  return u.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

/** Validates settings, naming the field at fault (url, username, password). */
export function validateConnection(raw: Record<string, string | undefined>, source: string): Connection {
  const r = connectionSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = String(issue.path[0] ?? 'processingmodule');
  const absent = raw[field] === undefined || raw[field] === '';
  const value = field === 'password' ? '' : field === 'url' ? withoutCredentials(raw.url ?? '').slice(0, 200) : (raw[field] ?? '').slice(0, 200);
  throw new ModuleError(absent ? 'missing' : 'value', `${source}: ${absent ? `${field} is missing` : issue.message}`, { object: field, value });
}

/** `<doc><processingmodule><url>…</url><username>…</username><password>…</password></processingmodule></doc>` */
export function connectionFromXml(xml: string): Connection & { id?: number } {
  // Values as written: a password's spaces are part of it, as in the stored settings (the URL and
  // user name are trimmed by the schema either way).
  const doc = child(parseXml(xml, 'stdin', undefined, { keepSpaces: true }), 'doc');
  const pm = child(doc, 'processingmodule');
  if (!pm) throw new ModuleError('missing', 'stdin: no <doc><processingmodule> element', { object: 'processingmodule' });
  const id = Number(text(pm, 'id')?.trim());
  const conn = validateConnection({ url: text(pm, 'url'), username: text(pm, 'username'), password: text(pm, 'password') }, 'stdin');
  return Number.isInteger(id) && id > 0 ? { ...conn, id } : conn;
}

/** A processing module's stored settings (password decrypted), checked. */
export function connectionOf(m: ProcessingModule): Connection {
  return validateConnection(m.params, `processing module ${m.id}`);
}

/** The stored settings of processing module ID (password decrypted). */
export async function connectionOfModule(ctx: Context, id: number): Promise<Connection> {
  // The database side (its zod row schemas, decryption) only when the settings are stored ones.
  const { loadProcessingModule } = await import('../../billmgr/item');
  return connectionOf(await loadProcessingModule(ctx, id));
}

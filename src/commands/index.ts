// The BILLmanager commands (billmanager.md §2): what each needs, whether it is advertised, and where
// its code is. A command's file is loaded only when it runs (esbuild turns each import() into a lazy
// initialiser inside the one-file bundle), so `features` never pays for mysql2 or undici.
import type { Context } from '../billmgr/context';

/** Options a command cannot run without; the CLI checks them before loading anything else. */
export type Need = 'item' | 'module' | 'domain' | 'emails';

export interface CommandModule {
  description: string;
  /** Returns what goes to stdout (an XML document), or nothing. */
  run(ctx: Context): Promise<string | void>;
}

export interface CommandEntry {
  needs: readonly Need[];
  /** Service commands do nothing and succeed while etc/billmgr.DoNothing exists. */
  service?: boolean;
  /** Advertised in `features`: only commands that work end to end are. */
  feature?: boolean;
  /** Absent for protocol commands this version does not implement yet. */
  load?: () => Promise<CommandModule>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  features: { needs: [], load: () => import('./features') },
  check_connection: { needs: [] },
  tune_connection: { needs: [] },
  usercreate: { needs: [] },
  getbalance: { needs: [] },
  approver: { needs: ['module', 'domain'], feature: true, load: () => import('./approver') },
  open: { needs: ['item'], service: true },
  sync_item: { needs: ['item'], service: true },
  reopen: { needs: ['item'], service: true },
  prolong: { needs: ['item'], service: true },
  close: { needs: ['item'], service: true },
  suspend: { needs: ['item'], service: true, feature: true, load: () => import('./suspend') },
  resume: { needs: ['item'], service: true, feature: true, load: () => import('./resume') },
  setparam: { needs: ['item'], service: true, feature: true, load: () => import('./setparam') },
  send_dv_email: { needs: ['item', 'emails'] },
};

export const ALIASES: Record<string, string> = { get_balance: 'getbalance' };

export function featureNames(): string[] {
  return Object.entries(COMMANDS).flatMap(([name, c]) => (c.feature && c.load ? [name] : []));
}

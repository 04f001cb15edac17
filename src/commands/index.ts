// The BILLmanager commands (billmanager.md §2): what each needs, whether it is advertised, and where
// its code is. A command's file is loaded only when it runs (each import() is a chunk of the bundle
// that build/bundle.mjs compiles on first use), so `features` never pays for mysql2 or the ENOM client.
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
  /**
   * Read-only and asked often (features at every core start, approver on every order form): its
   * success is logged at debug level, so at the default level it writes no line (the log file is not
   * even opened).
   */
  quiet?: boolean;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  features: { needs: [], quiet: true, load: () => import('./features') },
  check_connection: { needs: [], feature: true, load: () => import('./check_connection') },
  tune_connection: { needs: [], feature: true, load: () => import('./tune_connection') },
  usercreate: { needs: [], feature: true, load: () => import('./usercreate') },
  getbalance: { needs: [], feature: true, load: () => import('./getbalance') },
  approver: { needs: ['module', 'domain'], feature: true, quiet: true, load: () => import('./approver') },
  open: { needs: ['item'], service: true, feature: true, load: () => import('./open') },
  sync_item: { needs: ['item'], service: true, feature: true, load: () => import('./sync_item') },
  reopen: { needs: ['item'], service: true, feature: true, load: () => import('./reopen') },
  prolong: { needs: ['item'], service: true, feature: true, load: () => import('./prolong') },
  close: { needs: ['item'], service: true, feature: true, load: () => import('./close') },
  suspend: { needs: ['item'], service: true, feature: true, load: () => import('./suspend') },
  resume: { needs: ['item'], service: true, feature: true, load: () => import('./resume') },
  setparam: { needs: ['item'], service: true, feature: true, load: () => import('./setparam') },
  send_dv_email: { needs: ['item', 'emails'], feature: true, load: () => import('./send_dv_email') },
};

export const ALIASES: Record<string, string> = { get_balance: 'getbalance' };

export function featureNames(): string[] {
  return Object.entries(COMMANDS).flatMap(([name, c]) => (c.feature ? [name] : []));
}

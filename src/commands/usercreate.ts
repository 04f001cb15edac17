// `usercreate`: the "create new client" option of the connection wizard. ENOM accounts are opened on
// ENOM's own site, so we hand BILLmanager the sign-up link to show.
import type { Context } from '../billmgr/context';
import { append, readForm } from './lib/form';

export const description = "echo the connection form from stdin with a link to ENOM's reseller sign-up page";

export const ENOM_SIGNUP_URL = 'https://www.enom.com/reseller/';

export async function run(ctx: Context): Promise<string> {
  return append(await readForm(ctx), { outerlink: ENOM_SIGNUP_URL });
}

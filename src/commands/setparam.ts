// `setparam`: ENOM has no such operation for a certificate; BILLmanager only needs to hear it is done.
import type { Context } from '../billmgr/context';
import { postOnly } from './lib/service';

export const description = 'accept a changed service parameter (nothing to do at ENOM)';

export const run = (ctx: Context) => postOnly(ctx, 'setparam');

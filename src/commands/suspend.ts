// `suspend`: ENOM has no such operation for a certificate; BILLmanager only needs to hear it is done.
import type { Context } from '../billmgr/context';
import { postOnly } from './lib/service';

export const description = 'suspend the service (nothing to do at ENOM)';

export const run = (ctx: Context) => postOnly(ctx, 'suspend');

// Every BILLmanager path hangs off one root: /usr/local/mgr5, or $MGR5_ROOT (contract.md).
import { join, resolve } from 'node:path';

export const MODULE_NAME = 'pmenomssl';

export function mgrRoot(): string {
  const fromEnv = process.env.MGR5_ROOT;
  return fromEnv && fromEnv.trim() !== '' ? resolve(fromEnv) : '/usr/local/mgr5';
}

export const paths = {
  mgrctl: () => join(mgrRoot(), 'sbin', 'mgrctl'),
  log: () => join(mgrRoot(), 'var', `${MODULE_NAME}.log`),
  debugConf: () => join(mgrRoot(), 'etc', 'debug.conf'),
  doNothing: () => join(mgrRoot(), 'etc', 'billmgr.DoNothing'),
  cryptKey: (fromParamlist?: string) =>
    fromParamlist ? resolve(mgrRoot(), fromParamlist) : join(mgrRoot(), 'etc', 'billmgr.pem'),
  varDir: () => join(mgrRoot(), 'var'),
};

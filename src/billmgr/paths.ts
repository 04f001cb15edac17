// Every BILLmanager path hangs off one root: /usr/local/mgr5, or $MGR5_ROOT (contract.md).
import path from 'node:path';

export const MODULE_NAME = 'pmenomssl';

export function mgrRoot(): string {
  const fromEnv = process.env.MGR5_ROOT;
  return fromEnv && fromEnv.trim() !== '' ? path.resolve(fromEnv) : '/usr/local/mgr5';
}

export const paths = {
  mgrctl: () => path.join(mgrRoot(), 'sbin', 'mgrctl'),
  log: () => path.join(mgrRoot(), 'var', `${MODULE_NAME}.log`),
  debugConf: () => path.join(mgrRoot(), 'etc', 'debug.conf'),
  doNothing: () => path.join(mgrRoot(), 'etc', 'billmgr.DoNothing'),
  cryptKey: (fromParamlist?: string) =>
    fromParamlist ? path.resolve(mgrRoot(), fromParamlist) : path.join(mgrRoot(), 'etc', 'billmgr.pem'),
  varDir: () => path.join(mgrRoot(), 'var'),
};

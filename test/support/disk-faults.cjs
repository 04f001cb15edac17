// Loaded into a pmenomssl run with NODE_OPTIONS=--require: the code cache's temporary file (*.tmp)
// meets the fault in PMENOMSSL_TEST_DISK, and PMENOMSSL_TEST_DISK_LOG gets a line per call on it.
//   enospc  writeSync writes 4 kB, then throws ENOSPC, as a full disk does
//   short   writeSync writes half of what it was given and says so
//   (unset) no fault
'use strict';
const fs = require('node:fs');
const fault = process.env.PMENOMSSL_TEST_DISK ?? '';
const logFile = process.env.PMENOMSSL_TEST_DISK_LOG;
const log = (line) => logFile && fs.appendFileSync(logFile, `${line}\n`);
const temp = new Set();
const { openSync, writeSync, fsyncSync, closeSync, renameSync } = fs;
fs.openSync = function (file, ...rest) {
  const fd = openSync.call(this, file, ...rest);
  if (String(file).endsWith('.tmp')) temp.add(fd), log('open');
  return fd;
};
fs.writeSync = function (fd, data, ...rest) {
  if (!temp.has(fd)) return writeSync.call(this, fd, data, ...rest);
  log('write');
  if (fault === 'enospc') {
    writeSync.call(this, fd, data.subarray(0, 4096));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
  if (fault === 'short') return writeSync.call(this, fd, data.subarray(0, data.length >> 1));
  return writeSync.call(this, fd, data, ...rest);
};
fs.fsyncSync = function (fd) {
  if (temp.has(fd)) log('fsync');
  return fsyncSync.call(this, fd);
};
fs.closeSync = function (fd) {
  if (temp.delete(fd)) log('close');
  return closeSync.call(this, fd);
};
fs.renameSync = function (from, to) {
  if (String(from).endsWith('.tmp')) log('rename');
  return renameSync.call(this, from, to);
};

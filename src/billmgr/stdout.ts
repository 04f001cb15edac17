// What BILLmanager reads: the document goes straight to fd 1 with writeSync. process.stdout would
// load net and stream and set up a socket or a TTY (~6 ms of every run's start) for one write; a
// synchronous write is also out before process.exit(), whatever kind of file fd 1 is.
import { writeSync } from 'node:fs';

let pause: Int32Array | undefined;

export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(1, bytes, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking pipe (the parent's choice) that is full: wait for the reader, a few ms at a time.
      if (code === 'EAGAIN') Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 5);
      // The reader is gone: there is nobody left to tell.
      else if (code === 'EPIPE') return;
      else throw e;
    }
  }
}

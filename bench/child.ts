/**
 * Starts a benchmark server (responder, dev server) as a child process with
 * `node ARGS` and resolves with the port it prints as `PORT n` on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export function spawnListening(args: readonly string[], what: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve({ port: Number(m[1]), child });
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${String(code)}`)));
  });
}

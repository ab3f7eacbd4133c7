/**
 * The dev server in its own process, for bench/dev-server.ts. Prints
 * `PORT <n>` when listening, and `CPU <µs>` (user + system so far) for each
 * line read on stdin. Args: caPath certPath keyPath [--coalesce]
 */
import * as fs from 'node:fs';
import { silentLogger } from '../lib/logger';
import { KmipDevServer } from '../lib/server';

const [caPath, certPath, keyPath] = process.argv.slice(2) as [string, string, string];
const server = new KmipDevServer({
  tls: { ca: fs.readFileSync(caPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8'), key: fs.readFileSync(keyPath, 'utf8') },
  logger: silentLogger,
  coalesce: process.argv.includes('--coalesce'),
});
void server.listen().then(({ port }) => process.stdout.write(`PORT ${port}\n`));
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('data', () => {
  const u = process.cpuUsage();
  process.stdout.write(`CPU ${u.user + u.system}\n`);
});
process.on('SIGINT', stop);

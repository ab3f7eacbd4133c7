import * as path from 'node:path';
import { KmipConfigError } from '../errors';
import { LOGGER_NAME, safeLog, writeLogLine } from '../logger';
import { resolveHostLogger } from './host-logger';
import type { BackendOptions } from './settings';
import { KmipBackend } from './backend';

const ACTIVE_MESSAGE = 'kmip-kms is active as the host KMIP backend';

export interface InstallResult {
  readonly arsenalPath: string;
  readonly replaced: readonly string[];
}

/** Replaces arsenal's KMIP client classes, resolved from `hostDir`, by ours. */
export function installInto(hostDir: string, opts: { quiet?: boolean } = {}): InstallResult {
  let arsenalPath: string;
  try {
    arsenalPath = require.resolve('arsenal', { paths: [hostDir] });
  } catch {
    throw new KmipConfigError(
      `kmip-kms/register: cannot find the host's arsenal module from ${hostDir}; start the host from its own folder ` +
        '(node --require kmip-kms/register index.js)',
      'register',
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const arsenal: unknown = require(arsenalPath);
  const network = typeof arsenal === 'object' && arsenal !== null ? (arsenal as { network?: unknown }).network : undefined;
  if (typeof network !== 'object' || network === null || !('kmipClient' in network)) {
    throw new KmipConfigError(
      `kmip-kms/register: ${arsenalPath} has no network.kmipClient: this host version has no KMIP slot to plug into; ` +
        "use the one-line change to lib/kms/wrapper.js described in kmip-kms's README instead",
      'register',
    );
  }
  const hostErrors = (arsenal as { errors?: unknown }).errors;
  class HostKmipBackend extends KmipBackend {
    constructor(options: BackendOptions) {
      super({ ...options, ...(options?.errors === undefined && hostErrors !== undefined ? { errors: hostErrors } : {}) });
    }
  }
  Object.defineProperty(HostKmipBackend, 'name', { value: 'KmipBackend' });
  const replaced: string[] = [];
  for (const slot of ['kmipClient', 'kmipClusterClient']) {
    if (slot === 'kmipClusterClient' && !(slot in network)) continue;
    try {
      Object.defineProperty(network, slot, { value: HostKmipBackend, writable: true, configurable: true, enumerable: true });
    } catch (err) {
      throw new KmipConfigError(`kmip-kms/register: cannot replace arsenal.network.${slot}: ${(err as Error).message}`, 'register');
    }
    if ((network as Record<string, unknown>)[slot] !== HostKmipBackend) {
      throw new KmipConfigError(`kmip-kms/register: arsenal.network.${slot} could not be replaced`, 'register');
    }
    replaced.push(slot);
  }
  if (!opts.quiet) {
    // One voice in the host's log: through the host's werelogs when it has one, else our line with its field names.
    const fields = { arsenal: path.relative(hostDir, arsenalPath), replaced };
    const hostLogger = resolveHostLogger(LOGGER_NAME, [hostDir]);
    if (hostLogger) safeLog(hostLogger, 'info', ACTIVE_MESSAGE, fields);
    else writeLogLine('info', ACTIVE_MESSAGE, fields);
  }
  return { arsenalPath, replaced };
}

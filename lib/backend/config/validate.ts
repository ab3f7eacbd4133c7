/**
 * Validates and resolves a whole draft into the settings the backend runs
 * with: the backend's own settings here, the transport's by the transport's
 * validator (the same one the direct client's options go through).
 */
import type { Logger } from '../../logger';
import { DEFAULT_PORT } from '../../transport/options';
import { MAX_TIMER_MS, bool, intIn, validateTransport } from '../../transport/settings/validate';
import type { KmipSettings } from '../settings';
import { describe, fail, makeWarn, type Draft } from './draft';

export const SETTINGS_DEFAULTS = {
  providerName: 'kmip',
  compoundCreateActivate: false,
  bucketNameAttributeName: '',
  port: DEFAULT_PORT,
  pipelineDepth: 8,
  healthcheckCacheMs: 5000,
} as const;

/** Validates and resolves a whole draft into the settings the backend runs with. */
export function finalize(d: Draft, logger: Logger): KmipSettings {
  const warn = makeWarn(logger);

  let providerName: string = SETTINGS_DEFAULTS.providerName;
  if (d.providerName) {
    const v = d.providerName;
    if (typeof v.value !== 'string' || !/^[a-z0-9-]+$/i.test(v.value)) {
      fail(v.key, `must be letters, digits and "-" only (it goes into key ARNs; no ":" or "/"), got ${describe(v.value)}`);
    }
    providerName = v.value;
  }

  const compoundCreateActivate = d.compoundCreateActivate ? bool(d.compoundCreateActivate) : SETTINGS_DEFAULTS.compoundCreateActivate;

  let bucketNameAttributeName: string = SETTINGS_DEFAULTS.bucketNameAttributeName;
  if (d.bucketNameAttributeName) {
    const v = d.bucketNameAttributeName;
    if (typeof v.value !== 'string') fail(v.key, `must be a string, got ${describe(v.value)}`);
    bucketNameAttributeName = v.value;
    if (bucketNameAttributeName !== '' && !bucketNameAttributeName.startsWith('x-')) {
      warn(`${v.key} ${describe(bucketNameAttributeName)} does not start with "x-": KMIP 1.x servers only accept client custom attributes named x-...`, v.key);
    }
  }

  const healthcheckCacheMs = d.healthcheckCacheMs ? intIn(d.healthcheckCacheMs, 0, MAX_TIMER_MS) : SETTINGS_DEFAULTS.healthcheckCacheMs;
  const transport = validateTransport(d, warn);
  return { providerName, compoundCreateActivate, bucketNameAttributeName, transport, healthcheckCacheMs };
}

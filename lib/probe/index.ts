/**
 * `kmip-kms probe`: checks an appliance the way the S3 server will use it —
 * TLS and certificates, negotiated version, vendor, the operations the three
 * required server profiles need, a self-test on a scratch key, and the two
 * optional features — and gives a verdict.
 */
import { X509Certificate, randomBytes, createCipheriv } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { KmipClient } from '../client';
import { KmipConfigError, KmipError, KmipOperationError } from '../errors';
import { Operation, QueryFunction, RevocationReasonCode } from '../kmip/enums';
import * as ops from '../kmip/operations';
import { PRODUCT_OPERATIONS } from '../kmip/operations';
import { operationName, versionString } from '../kmip/protocol';
import type { Logger } from '../logger';
import type { KmipSettings } from '../backend/settings';

/** Operations each server profile the product requires must support. */
export const PROFILES: ReadonlyArray<{ readonly name: string; readonly operations: readonly number[] }> = [
  {
    name: 'Baseline Server',
    operations: [
      Operation.DiscoverVersions,
      Operation.Query,
      Operation.Locate,
      Operation.Get,
      Operation.GetAttributes,
      Operation.GetAttributeList,
      Operation.AddAttribute,
      Operation.ModifyAttribute,
      Operation.DeleteAttribute,
      Operation.Activate,
      Operation.Revoke,
      Operation.Destroy,
      Operation.Check,
    ],
  },
  { name: 'Symmetric Key Lifecycle Server', operations: [Operation.Create] },
  { name: 'Basic Cryptographic Server', operations: [Operation.Encrypt, Operation.Decrypt] },
];


export type CheckStatus = 'ok' | 'warn' | 'fail' | 'unsupported' | 'supported' | 'skipped';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface CertificateInfo {
  readonly role: 'server' | 'client' | 'ca';
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly daysLeft: number;
}

export interface ProbeReport {
  readonly server: string;
  readonly tls: { readonly protocol: string | null; readonly cipher: string | undefined } | undefined;
  readonly certificates: readonly CertificateInfo[];
  readonly protocolVersion: string | undefined;
  readonly vendor: string | undefined;
  readonly profiles: ReadonlyArray<{ readonly name: string; readonly announced: readonly string[]; readonly missing: readonly string[] }>;
  readonly checks: readonly CheckResult[];
  readonly verdict: 'pass' | 'pass-with-warnings' | 'fail';
}

const WARN_DAYS = 30;

function certInfo(role: CertificateInfo['role'], pem: string | Buffer): CertificateInfo[] {
  const out: CertificateInfo[] = [];
  const text = Buffer.isBuffer(pem) ? pem.toString('latin1') : pem;
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  for (const b of blocks.slice(0, role === 'client' ? 1 : blocks.length)) {
    try {
      const x = new X509Certificate(b);
      out.push({
        role,
        subject: x.subject.replace(/\n/g, ', '),
        issuer: x.issuer.replace(/\n/g, ', '),
        validTo: new Date(x.validTo).toISOString(),
        daysLeft: Math.floor((new Date(x.validTo).getTime() - Date.now()) / 86_400_000),
      });
    } catch {
      // unparseable: the config loader already said so
    }
  }
  return out;
}

function peerInfo(p: PeerCertificate | undefined): CertificateInfo[] {
  if (!p || !p.valid_to) return [];
  const fmt = (o: unknown): string =>
    typeof o === 'object' && o !== null
      ? Object.entries(o as Record<string, unknown>)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')
      : String(o);
  const to = new Date(p.valid_to);
  return [{ role: 'server', subject: fmt(p.subject), issuer: fmt(p.issuer), validTo: to.toISOString(), daysLeft: Math.floor((to.getTime() - Date.now()) / 86_400_000) }];
}

function describe(err: unknown): string {
  if (err instanceof KmipOperationError) return `${err.resultReason ?? err.resultStatus}${err.resultMessage ? `: ${err.resultMessage}` : ''}`;
  if (err instanceof KmipConfigError) {
    return err.key && !err.message.includes(err.key) ? `${err.message} (fix the ${err.key} setting)` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

const CBC = { blockCipherMode: 1, paddingMethod: 3, cryptographicAlgorithm: 3 } as const;

/** Best-effort removal of a scratch key, whatever state it is in. */
async function cleanup(client: KmipClient, uid: string): Promise<void> {
  await client.revoke(uid, RevocationReasonCode.CessationOfOperation, 'kmip-kms probe scratch key').catch(() => undefined);
  await client.destroy(uid).catch(() => undefined);
}

const BATCHING = 'batching (batchSize)';

/**
 * Whether the server answers a batch the way `batchSize` > 1 needs: a
 * request message of four items on the scratch key, the second on a key that
 * does not exist, sent with Batch Error Continuation Option Continue. Each
 * item must come back with its own Unique Batch Item ID (client.batch checks
 * that), the failing one with its failure, the others done: two Encrypts of
 * 48 bytes and a Decrypt giving back the data key.
 */
export async function checkBatching(client: KmipClient, uid: string, dataKey: Buffer, wrapped: Buffer, batchSize: number): Promise<CheckResult> {
  const iv = Buffer.alloc(16);
  const cp = { cryptographicParameters: CBC, ivCounterNonce: iv };
  const advice = batchSize > 1 ? `(batchSize is ${batchSize})` : '(batchSize is 1, off: set it, e.g. to 8, to let waiting requests share messages)';
  const bad = (why: string): CheckResult =>
    batchSize > 1
      ? { name: BATCHING, status: 'fail', detail: `${why}; set batchSize to 1` }
      : { name: BATCHING, status: 'unsupported', detail: `${why}; keep batchSize 1` };
  try {
    const r = await client.batch(
      [
        ops.encrypt({ uniqueIdentifier: uid, data: dataKey, ...cp }),
        ops.encrypt({ uniqueIdentifier: `kmip-kms-probe-missing-${randomBytes(6).toString('hex')}`, data: dataKey, ...cp }),
        ops.encrypt({ uniqueIdentifier: uid, data: dataKey, ...cp }),
        ops.decrypt({ uniqueIdentifier: uid, data: wrapped, ...cp }),
      ],
      { header: { batchErrorContinuationOption: 1 } },
    );
    const [a, missing, b, d] = r;
    if (!missing || missing.ok) return bad('the item on a missing key did not fail');
    if (!a?.ok || !b?.ok || !d?.ok) {
      const first = [a, b, d].find((x) => x !== undefined && !x.ok);
      return bad(`items after a failed one were not done (Continue not honoured${first && !first.ok ? `: ${describe(first.error)}` : ''})`);
    }
    const ea = a.value as ops.CipherResult;
    const eb = b.value as ops.CipherResult;
    const dd = d.value as ops.CipherResult;
    if (ea.data.length !== 48 || !ea.data.equals(eb.data) || !ea.data.equals(wrapped) || !dd.data.equals(dataKey)) {
      return bad('the answers of the batch items do not match their requests');
    }
    return { name: BATCHING, status: batchSize > 1 ? 'ok' : 'supported', detail: `a batch of 4 items, one failing, answered item by item with their own IDs ${advice}` };
  } catch (err) {
    return bad(describe(err));
  }
}

export interface ProbeOptions {
  readonly logger?: Logger;
  /** Skip the self-test and optional-feature checks (no key created). */
  readonly noSelfTest?: boolean;
  readonly onStep?: (step: string) => void;
}

export interface ClusterProbeReport {
  /** One report per configured host, in configuration order. */
  readonly hosts: readonly ProbeReport[];
  /** fail when any host fails, pass-with-warnings when any warns, else pass. */
  readonly verdict: ProbeReport['verdict'];
}

/** Probes every configured host on its own (each with its own self-test), one after the other. */
export async function probeEach(settings: KmipSettings, opts: ProbeOptions = {}): Promise<ClusterProbeReport> {
  const hosts: ProbeReport[] = [];
  for (const h of settings.transport.hosts) {
    const step = opts.onStep;
    hosts.push(
      await probe(
        { ...settings, transport: { ...settings.transport, hosts: [h] } },
        { ...opts, ...(step ? { onStep: (s: string) => step(`${h.host}:${h.port}: ${s}`) } : {}) },
      ),
    );
  }
  const verdict = hosts.some((r) => r.verdict === 'fail') ? 'fail' : hosts.some((r) => r.verdict === 'pass-with-warnings') ? 'pass-with-warnings' : 'pass';
  return { hosts, verdict };
}

/** Probes the first configured host (see probeEach for every host). */
export async function probe(settings: KmipSettings, opts: ProbeOptions = {}): Promise<ProbeReport> {
  const checks: CheckResult[] = [];
  const certificates: CertificateInfo[] = [];
  const t = settings.transport;
  const server = t.hosts.map((h) => `${h.host}:${h.port}`).join(', ');
  const step = opts.onStep ?? (() => undefined);
  let tlsInfo: ProbeReport['tls'];
  let version: string | undefined;
  let vendor: string | undefined;
  const profiles: Array<{ name: string; announced: string[]; missing: string[] }> = [];
  let client: KmipClient;
  try {
    client = new KmipClient({ ...t, hosts: [t.hosts[0]!], ...(opts.logger ? { logger: opts.logger } : {}) });
  } catch (err) {
    // Settings the TLS layer refuses (cipher list, key passphrase...): a verdict, not a crash.
    checks.push({ name: 'configuration', status: 'fail', detail: describe(err) });
    return finish();
  }
  try {
    step('connecting');
    let announced: readonly number[] | undefined;
    try {
      const q = await client.query([QueryFunction.QueryOperations, QueryFunction.QueryObjects, QueryFunction.QueryServerInformation]);
      const info = client.serverInfo;
      tlsInfo = { protocol: info?.tlsProtocol ?? null, cipher: info?.tlsCipher };
      certificates.push(...peerInfo(info?.peerCertificate));
      version = info ? versionString(info.version) : undefined;
      vendor = q.vendorIdentification ?? info?.vendorIdentification;
      announced = q.operations;
      checks.push({ name: 'connection', status: 'ok', detail: `${tlsInfo.protocol ?? '?'} ${tlsInfo.cipher ?? ''}, KMIP ${version ?? '?'}, ${vendor ?? 'vendor not announced'}` });
    } catch (err) {
      checks.push({ name: 'connection', status: 'fail', detail: describe(err) });
      if (err instanceof KmipOperationError && client.serverInfo) {
        // Negotiated, but Query refused: carry on with what we know.
        version = versionString(client.serverInfo.version);
      } else {
        return finish();
      }
    }
    if (t.tls.cert) certificates.push(...certInfo('client', t.tls.cert as string | Buffer));
    const cas = t.tls.ca === undefined ? [] : Array.isArray(t.tls.ca) ? t.tls.ca : [t.tls.ca];
    for (const ca of cas) certificates.push(...certInfo('ca', ca as string | Buffer));
    for (const c of certificates) {
      if (c.daysLeft < 0) checks.push({ name: `${c.role} certificate`, status: 'fail', detail: `${c.subject} expired on ${c.validTo}` });
      else if (c.daysLeft < WARN_DAYS) checks.push({ name: `${c.role} certificate`, status: 'warn', detail: `${c.subject} expires in ${c.daysLeft} days (${c.validTo})` });
    }
    for (const p of PROFILES) {
      const have = announced ?? [];
      profiles.push({
        name: p.name,
        announced: p.operations.filter((o) => have.includes(o)).map((o) => operationName(o)),
        missing: announced === undefined ? [] : p.operations.filter((o) => !have.includes(o)).map((o) => operationName(o)),
      });
    }
    if (announced) {
      const missingProduct = PRODUCT_OPERATIONS.filter((o) => !announced!.includes(o));
      checks.push(
        missingProduct.length === 0
          ? { name: 'operations', status: 'ok', detail: 'every operation the S3 server uses is announced' }
          : { name: 'operations', status: 'warn', detail: `not announced: ${missingProduct.map((o) => operationName(o)).join(', ')} (the self-test tells whether they work)` },
      );
    }
    if (opts.noSelfTest) {
      checks.push({ name: 'self-test', status: 'skipped', detail: 'not run (--no-self-test)' });
      return finish();
    }

    step('self-test');
    let uid: string | undefined;
    let batching: CheckResult | undefined;
    try {
      uid = (await client.create({ name: `kmip-kms-probe-${randomBytes(6).toString('hex')}` })).uniqueIdentifier;
      await client.activate(uid);
      const dataKey = randomBytes(32);
      const iv = Buffer.alloc(16);
      const wrapped = await client.encrypt(uid, dataKey, { cryptographicParameters: CBC, ivCounterNonce: iv });
      if (wrapped.data.length !== 48) throw new Error(`Encrypt of a 32-byte data key gave ${wrapped.data.length} bytes, expected 48`);
      const back = await client.decrypt(uid, wrapped.data, { cryptographicParameters: CBC, ivCounterNonce: iv });
      if (!back.data.equals(dataKey)) throw new Error('Decrypt did not give back the data key');
      // Byte compatibility with keys wrapped before: only checkable when the key can be read.
      let compat = '';
      try {
        const g = await client.get(uid);
        if (g.keyMaterial && g.keyMaterial.length === 32) {
          const c = createCipheriv('aes-256-cbc', g.keyMaterial, iv);
          const local = Buffer.concat([c.update(dataKey), c.final()]);
          compat = local.equals(wrapped.data) ? '; wrapping identical to AES-256-CBC/PKCS#5/zero IV' : '; WARNING: wrapping differs from AES-256-CBC';
        }
      } catch {
        compat = '';
      }
      batching = await checkBatching(client, uid, dataKey, wrapped.data, t.batchSize ?? 1);
      await client.revoke(uid, RevocationReasonCode.CessationOfOperation, 'kmip-kms probe scratch key');
      await client.destroy(uid);
      uid = undefined;
      checks.push({ name: 'self-test', status: 'ok', detail: `create, activate, encrypt, decrypt, revoke, destroy of a scratch key${compat}` });
    } catch (err) {
      checks.push({ name: 'self-test', status: 'fail', detail: describe(err) });
      if (uid) await cleanup(client, uid);
    }

    step('optional features');
    checks.push(batching ?? { name: BATCHING, status: 'skipped', detail: 'not checked (the self-test failed)' });
    try {
      const k = await client.create({ activationDate: new Date() });
      await cleanup(client, k.uniqueIdentifier);
      checks.push({ name: 'one-step create (compoundCreateActivate)', status: 'supported', detail: 'Create with an Activation Date accepted' });
    } catch (err) {
      checks.push({ name: 'one-step create (compoundCreateActivate)', status: err instanceof KmipError ? 'unsupported' : 'fail', detail: `${describe(err)}; keep compoundCreateActivate off` });
    }
    try {
      const k = await client.create({ customAttribute: { name: 'x-kmip-kms-probe', value: 'probe' } });
      await cleanup(client, k.uniqueIdentifier);
      checks.push({ name: 'bucket attribute (bucketNameAttributeName)', status: 'supported', detail: 'custom attribute on Create accepted' });
    } catch (err) {
      checks.push({ name: 'bucket attribute (bucketNameAttributeName)', status: err instanceof KmipError ? 'unsupported' : 'fail', detail: `${describe(err)}; keep bucketNameAttributeName empty` });
    }
    return finish();
  } finally {
    await client.close({ drainTimeoutMs: 1000 });
  }

  function finish(): ProbeReport {
    const failed = checks.some((c) => c.status === 'fail');
    const warned = checks.some((c) => c.status === 'warn');
    return {
      server,
      tls: tlsInfo,
      certificates,
      protocolVersion: version,
      vendor,
      profiles,
      checks,
      verdict: failed ? 'fail' : warned ? 'pass-with-warnings' : 'pass',
    };
  }
}

/**
 * The dev server's managed objects, in memory, optionally mirrored in a JSON
 * data file.
 *
 * THE DATA FILE HOLDS KEY MATERIAL IN CLEAR (base64). It is a development and
 * test convenience, not a key store: anyone who can read the file has every
 * key. It is created with mode 0600.
 *
 * Writes are atomic and durable: the whole store is written to a temporary file
 * in the same folder, fsync'ed, renamed over the data file, and the folder is
 * fsync'ed. Writes are grouped: every state change made before a write starts
 * is covered by it, and `flush()` resolves once a write covering every change
 * made so far has completed, so the server answers a state-changing request
 * only after its change is on disk. Reads (Encrypt, Decrypt, Get...) never
 * wait for the file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { safeLog, type Logger } from '../logger';
import { decode, encode, type TtlvItem } from '../ttlv';

/** A custom (1.x `x-name`) or vendor (2.x Vendor Identification + Attribute Name) attribute. */
export interface CustomAttribute {
  /** `x` (or `y`) for 1.x custom attributes `x-name`. */
  readonly vendor: string;
  readonly name: string;
  /** The value, tagged Attribute Value. */
  readonly value: TtlvItem;
}

/** A standard attribute the server keeps but does not interpret (Contact Information, Object Group...). */
export interface StoredAttribute {
  readonly tag: number;
  /** The value, tagged with `tag`. */
  readonly value: TtlvItem;
}

export interface NameValue {
  readonly value: string;
  readonly type: number;
}

/** One managed object. Dates are seconds since the Unix epoch. */
export interface KeyObject {
  readonly uid: string;
  /** CN of the client certificate that created it. */
  readonly owner: string;
  readonly objectType: number;
  readonly algorithm: number;
  readonly length: number;
  readonly usageMask: number;
  state: number;
  names: NameValue[];
  readonly initialDate: number;
  lastChangeDate: number;
  activationDate?: number;
  deactivationDate?: number;
  compromiseDate?: number;
  compromiseOccurrenceDate?: number;
  destroyDate?: number;
  revocation?: { readonly code: number; readonly message?: string };
  /** Key material; null once destroyed. */
  material: Buffer | null;
  /** SHA-256 of the key material (Digest attribute), kept after Destroy. */
  readonly digest: Buffer | null;
  /** Key Format Type the digest was computed in (the registered one; default Raw). */
  readonly digestFormat?: number;
  /** True until the key material is first served (Get). */
  fresh: boolean;
  readonly originalCreationDate: number;
  /** Made by the server (Create), not registered by a client. */
  readonly generated: boolean;
  /** Secret Data objects: their Secret Data Type (Password, Seed). */
  readonly secretDataType?: number;
  custom: CustomAttribute[];
  other: StoredAttribute[];
}

const FORMAT = 'kmip-kms-dev-server/1';

export const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();
const WARNING =
  'kmip-kms development server data file: it holds KEY MATERIAL IN CLEAR (base64). ' +
  'For development and tests only; never use it for real keys.';

export class DataFileError extends Error {
  override name = 'DataFileError';
}

export class KeyStore {
  readonly file: string | undefined;
  readonly objects = new Map<string, KeyObject>();
  readonly #logger: Logger;
  /** Bumped by every change. */
  #version = 0;
  /** Highest version known to be on disk. */
  #written = 0;
  #writing: Promise<void> | null = null;
  #tmpSeq = 0;

  constructor(file: string | undefined, logger: Logger) {
    this.file = file === undefined ? undefined : path.resolve(file);
    this.#logger = logger;
  }

  get(uid: string): KeyObject | undefined {
    return this.objects.get(uid);
  }

  add(obj: KeyObject): void {
    this.objects.set(obj.uid, obj);
  }

  /** Records that something changed and must reach the data file before it is acknowledged. */
  changed(): void {
    this.#version++;
  }

  /** Resolves once every change recorded so far is on disk (at once without a data file). */
  async flush(): Promise<void> {
    if (this.file === undefined) {
      this.#written = this.#version;
      return;
    }
    const target = this.#version;
    while (this.#written < target) {
      if (this.#writing === null) {
        this.#writing = this.#writeOnce().finally(() => {
          this.#writing = null;
        });
      }
      await this.#writing;
    }
  }

  /** Waits for a write in progress (used when closing). */
  async idle(): Promise<void> {
    while (this.#writing !== null) {
      try {
        await this.#writing;
      } catch {
        // reported to whoever was waiting for it
      }
    }
  }

  async #writeOnce(): Promise<void> {
    const file = this.file!;
    const version = this.#version;
    const text = JSON.stringify(this.#serialize(), null, 1) + '\n';
    const dir = path.dirname(file);
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++this.#tmpSeq}.${randomBytes(4).toString('hex')}.tmp`);
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(tmp, 'wx', 0o600);
      await fh.writeFile(text, 'utf8');
      await fh.sync();
      await fh.close();
      fh = undefined;
      await fsp.rename(tmp, file);
    } catch (err) {
      if (fh) await fh.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      safeLog(this.#logger, 'error', 'kmip dev server: could not write its data file', { file, error: (err as Error).message });
      throw err;
    }
    try {
      const dh = await fsp.open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch {
      // some file systems refuse fsync on a folder; the rename is done
    }
    if (version > this.#written) this.#written = version;
  }

  /**
   * Reads the data file when it exists; a missing file is an empty store.
   * First removes temporary files left by a crashed writer (they hold key
   * material in clear), and makes a usable data file readable by others mode
   * 0600 (a broken one is left alone).
   */
  async load(): Promise<void> {
    if (this.file === undefined) return;
    await this.#removeStaleTemporaries();
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new DataFileError(`cannot read the dev server data file ${this.file}: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new DataFileError(`the dev server data file ${this.file} is not JSON (${(err as Error).message}); move it away to start afresh`);
    }
    const objects = parseDocument(doc, this.file);
    await this.#tightenMode();
    this.objects.clear();
    for (const o of objects) this.objects.set(o.uid, o);
  }

  /** `.<name>.<pid>.<seq>.<hex>.tmp` files of this data file whose writer process is gone. */
  async #removeStaleTemporaries(): Promise<void> {
    const file = this.file!;
    const dir = path.dirname(file);
    const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`^\\.${base}\\.(\\d+)\\.\\d+\\.[0-9a-f]+\\.tmp$`);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      return; // no folder yet: nothing left over
    }
    for (const name of names) {
      const m = pattern.exec(name);
      if (m === null || processAlive(Number(m[1]))) continue;
      try {
        await fsp.rm(path.join(dir, name), { force: true });
        safeLog(this.#logger, 'warn', 'kmip dev server: removed a temporary data file left by a crashed writer', { file: path.join(dir, name) });
      } catch (err) {
        throw new DataFileError(`cannot remove the stale temporary file ${path.join(dir, name)} (it holds key material in clear): ${(err as Error).message}`);
      }
    }
  }

  /** A data file readable or writable by group or others is set to 0600 (it holds key material in clear). */
  async #tightenMode(): Promise<void> {
    let mode: number;
    try {
      mode = (await fsp.stat(this.file!)).mode & 0o777;
    } catch {
      return;
    }
    if ((mode & 0o077) === 0) return;
    await fsp.chmod(this.file!, 0o600);
    safeLog(this.#logger, 'warn', 'kmip dev server: the data file was readable by others; set to mode 0600', { file: this.file, mode: mode.toString(8) });
  }

  #serialize(): unknown {
    const objects: unknown[] = [];
    for (const o of this.objects.values()) {
      objects.push({
        uid: o.uid,
        owner: o.owner,
        objectType: o.objectType,
        algorithm: o.algorithm,
        length: o.length,
        usageMask: o.usageMask,
        state: o.state,
        names: o.names,
        initialDate: o.initialDate,
        lastChangeDate: o.lastChangeDate,
        activationDate: o.activationDate,
        deactivationDate: o.deactivationDate,
        compromiseDate: o.compromiseDate,
        compromiseOccurrenceDate: o.compromiseOccurrenceDate,
        destroyDate: o.destroyDate,
        revocation: o.revocation,
        material: o.material === null ? null : o.material.toString('base64'),
        digest: o.digest === null ? null : o.digest.toString('base64'),
        digestFormat: o.digestFormat,
        fresh: o.fresh,
        originalCreationDate: o.originalCreationDate,
        generated: o.generated,
        secretDataType: o.secretDataType,
        custom: o.custom.map((c) => ({ vendor: c.vendor, name: c.name, ttlv: encode(c.value).toString('base64') })),
        other: o.other.map((a) => ({ tag: a.tag, ttlv: encode(a.value).toString('base64') })),
      });
    }
    return { format: FORMAT, warning: WARNING, objects };
  }
}

/** True when a process with this pid exists (ours included). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------
// Reading the data file (untrusted JSON, narrowed field by field)

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseDocument(doc: unknown, file: string): KeyObject[] {
  const bad = (what: string): never => {
    throw new DataFileError(`the dev server data file ${file} is not usable: ${what}; move it away to start afresh`);
  };
  if (!isRecord(doc)) return bad('it is not a JSON object');
  if (doc['format'] !== FORMAT) return bad(`its format is ${JSON.stringify(doc['format'])}, expected ${FORMAT}`);
  const list = doc['objects'];
  if (!Array.isArray(list)) return bad('it has no objects array');
  const out: KeyObject[] = [];
  list.forEach((raw: unknown, i: number) => {
    const where = `objects[${i}]`;
    if (!isRecord(raw)) return bad(`${where} is not an object`);
    const str = (k: string): string => {
      const v = raw[k];
      return typeof v === 'string' ? v : bad(`${where}.${k} is not a string`);
    };
    const num = (k: string): number => {
      const v = raw[k];
      return typeof v === 'number' && Number.isFinite(v) ? v : bad(`${where}.${k} is not a number`);
    };
    const optNum = (k: string): number | undefined => (raw[k] === undefined || raw[k] === null ? undefined : num(k));
    const ttlvOf = (v: unknown, w: string): TtlvItem => {
      if (typeof v !== 'string') return bad(`${w} is not a string`);
      try {
        return decode(Buffer.from(v, 'base64'));
      } catch (err) {
        return bad(`${w} is not a TTLV item (${(err as Error).message})`);
      }
    };
    const namesRaw = raw['names'];
    if (!Array.isArray(namesRaw)) return bad(`${where}.names is not an array`);
    const names: NameValue[] = namesRaw.map((n: unknown, j: number) => {
      if (!isRecord(n) || typeof n['value'] !== 'string' || typeof n['type'] !== 'number') return bad(`${where}.names[${j}] is malformed`);
      return { value: n['value'], type: n['type'] };
    });
    const customRaw = raw['custom'];
    if (!Array.isArray(customRaw)) return bad(`${where}.custom is not an array`);
    const custom: CustomAttribute[] = customRaw.map((c: unknown, j: number) => {
      if (!isRecord(c) || typeof c['vendor'] !== 'string' || typeof c['name'] !== 'string') return bad(`${where}.custom[${j}] is malformed`);
      return { vendor: c['vendor'], name: c['name'], value: ttlvOf(c['ttlv'], `${where}.custom[${j}].ttlv`) };
    });
    const otherRaw = raw['other'];
    if (!Array.isArray(otherRaw)) return bad(`${where}.other is not an array`);
    const other: StoredAttribute[] = otherRaw.map((a: unknown, j: number) => {
      if (!isRecord(a) || typeof a['tag'] !== 'number') return bad(`${where}.other[${j}] is malformed`);
      return { tag: a['tag'], value: ttlvOf(a['ttlv'], `${where}.other[${j}].ttlv`) };
    });
    const mat = raw['material'];
    let material: Buffer | null = null;
    if (typeof mat === 'string') material = Buffer.from(mat, 'base64');
    else if (mat !== null) return bad(`${where}.material is neither base64 text nor null`);
    const dig = raw['digest'];
    let digest: Buffer | null = null;
    if (typeof dig === 'string') digest = Buffer.from(dig, 'base64');
    else if (dig === undefined || dig === null) digest = material === null ? null : sha256(material);
    else return bad(`${where}.digest is neither base64 text nor null`);
    const rev = raw['revocation'];
    let revocation: KeyObject['revocation'];
    if (isRecord(rev)) {
      if (typeof rev['code'] !== 'number') return bad(`${where}.revocation.code is not a number`);
      revocation = typeof rev['message'] === 'string' ? { code: rev['code'], message: rev['message'] } : { code: rev['code'] };
    } else if (rev !== undefined && rev !== null) return bad(`${where}.revocation is malformed`);
    const obj: KeyObject = {
      uid: str('uid'),
      owner: str('owner'),
      objectType: num('objectType'),
      algorithm: num('algorithm'),
      length: num('length'),
      usageMask: num('usageMask'),
      state: num('state'),
      names,
      initialDate: num('initialDate'),
      lastChangeDate: num('lastChangeDate'),
      material,
      digest,
      fresh: raw['fresh'] !== false,
      originalCreationDate: optNum('originalCreationDate') ?? num('initialDate'),
      generated: raw['generated'] !== false,
      custom,
      other,
    };
    const dates = ['activationDate', 'deactivationDate', 'compromiseDate', 'compromiseOccurrenceDate', 'destroyDate'] as const;
    for (const k of dates) {
      const v = optNum(k);
      if (v !== undefined) obj[k] = v;
    }
    if (revocation !== undefined) obj.revocation = revocation;
    const sdt = optNum('secretDataType');
    const df = optNum('digestFormat');
    out.push({ ...obj, ...(sdt !== undefined ? { secretDataType: sdt } : {}), ...(df !== undefined ? { digestFormat: df } : {}) });
    return undefined;
  });
  return out;
}

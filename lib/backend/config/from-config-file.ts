/**
 * Source: a raw cloudserver config.json. Its `kmip` section has the host
 * object's shape with FILE PATHS for key/cert/ca, relative ones resolved
 * against the config file's folder (the host joins them to its own
 * installation folder, which holds its config.json, or is one level above a
 * `conf/config.json`; we cannot know that folder). The S3KMIP_*
 * variables are read as the host reads them: defaults that the file's
 * values replace (`file-over-env.ts`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { asRecord, errText, fail, fileName, get, type Draft, type Warn } from './draft';
import { readFileOverEnv } from './file-over-env';
import { applyEnv, emptyEnvDraft } from './from-env';

export function readJsonFile(file: string, key: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(key, `${fileName(file)} cannot be read: ${errText(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // V8's message may quote the text around the error: keep only its position.
    const m = /position (\d+)/.exec(errText(err));
    fail(key, `${fileName(file)} is not valid JSON${m ? ` (at character ${m[1]})` : ''}`);
  }
}

/** The config file's `kmip` section over the S3KMIP_* variables of `env`, as the host combines them. */
export function readConfigFile(file: string, env: NodeJS.ProcessEnv, warn: Warn): Draft {
  const root = asRecord(readJsonFile(file, 'configFile'), 'configFile');
  const baseDir = path.dirname(path.resolve(file));
  const fromEnv = applyEnv(emptyEnvDraft(), env, baseDir, warn);
  return readFileOverEnv(get(root, 'kmip'), fromEnv, baseDir, warn);
}

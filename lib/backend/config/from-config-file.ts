/**
 * Source: a raw cloudserver config.json. Its `kmip` section has the host
 * object's shape with FILE PATHS for key/cert/ca, relative ones resolved
 * against the config file's folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { asRecord, emptyDraft, errText, fail, fileName, get, type Draft, type Warn } from './draft';
import { HOST_NAMES, readHostForm } from './from-host';

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

/** The config file's `kmip` section as a draft (empty when the file has none), and the folder paths resolve against. */
export function readConfigFile(file: string, warn: Warn): { draft: Draft; baseDir: string } {
  const root = asRecord(readJsonFile(file, 'configFile'), 'configFile');
  const baseDir = path.dirname(path.resolve(file));
  const section = get(root, 'kmip');
  return { draft: section === undefined ? emptyDraft(HOST_NAMES) : readHostForm(section, baseDir, warn), baseDir };
}

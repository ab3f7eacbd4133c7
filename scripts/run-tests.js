#!/usr/bin/env node
'use strict';
// Runs every compiled test file (dist/tests/**/*.test.js) with Node's own test
// runner and the TAP reporter, whose closing lines read `# pass N` / `# fail N`.
// Node 16.20 (the host's runtime) has `node --test` but no `--test-reporter`:
// TAP is its only output, so the flag is given only where it exists.
// Usage: node scripts/run-tests.js [substring filter...]
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', 'dist', 'tests');
const files = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js')) files.push(p);
  }
})(root);
files.sort();
const filters = process.argv.slice(2);
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error('no test files found under dist/tests (did the build run?)');
  process.exit(1);
}
const modern = process.allowedNodeEnvironmentFlags.has('--test-reporter');
const flags = modern ? ['--test-reporter=tap'] : ['--require', path.join(__dirname, 'node16-test-compat.js')];
const r = spawnSync(process.execPath, ['--test', ...flags, ...selected], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);

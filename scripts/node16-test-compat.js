'use strict';
// Preloaded by run-tests.js under Node 16 only (the host's runtime: cloudserver 8.8 runs on
// Node 16.20.2). Two differences of Node 16's test runner are bridged here so that the same
// test files run on 16 and 20:
// - a `test()` nested in a `describe()` runs at once, before that suite's `before` hooks;
//   `it()` waits for them, as `test()` does on Node 18+: under 16 `test` is `it`;
// - `it(name, fn)` takes a function with a parameter for a legacy `done` callback and does
//   not pass a test context: the body is called with a small context instead (diagnostic,
//   after, skip, todo, name), and its promise is awaited;
// - `before` / `after` at the top level of a file (outside any describe) are not run: here
//   the top-level `before`s run once before the first top-level suite or test, and the
//   top-level `after`s once after the last one.
const nodeTest = require('node:test');
const originalIt = nodeTest.it;
const originalDescribe = nodeTest.describe;
const originalBefore = nodeTest.before;
const originalAfter = nodeTest.after;

let depth = 0;
const rootBefores = [];
const rootAfters = [];
let rootBeforeRun;
let pendingTopLevel = 0;
const runRootBefores = () => {
  rootBeforeRun ??= (async () => {
    for (const fn of rootBefores) await fn();
  })();
  return rootBeforeRun;
};
const topLevelDone = async () => {
  if (--pendingTopLevel > 0) return;
  for (const fn of rootAfters.splice(0)) await fn();
};

nodeTest.before = (fn, options) => (depth === 0 ? rootBefores.push(fn) : originalBefore(fn, options));
nodeTest.after = (fn, options) => (depth === 0 ? rootAfters.push(fn) : originalAfter(fn, options));

function describe(name, options, fn) {
  if (typeof name === 'function') return describe(name.name || '<anonymous>', {}, name);
  if (typeof options === 'function') return describe(name, {}, options);
  if (typeof fn !== 'function') return originalDescribe(name, options ?? {});
  const top = depth === 0;
  if (top) pendingTopLevel++;
  return originalDescribe(name, options ?? {}, function () {
    depth++;
    try {
      if (top) {
        originalBefore(runRootBefores);
        originalAfter(topLevelDone);
      }
      return fn.call(this);
    } finally {
      depth--;
    }
  });
}
describe.skip = (name, options, fn) => originalDescribe.skip(name, options, fn);
nodeTest.describe = describe;

function contextFor(name) {
  const afters = [];
  return {
    ctx: {
      name,
      diagnostic: (message) => process.stderr.write(`# ${String(message)}\n`),
      after: (fn) => afters.push(fn),
      skip: () => {},
      todo: () => {},
    },
    runAfters: async () => {
      for (const fn of afters) await fn();
    },
  };
}

function it(name, options, fn) {
  if (typeof name === 'function') return it(name.name || '<anonymous>', {}, name);
  if (typeof options === 'function') return it(name, {}, options);
  if (typeof fn !== 'function') return originalIt(name, options ?? {});
  const top = depth === 0;
  if (top) pendingTopLevel++;
  return originalIt(name, options ?? {}, async function () {
    const { ctx, runAfters } = contextFor(name);
    try {
      if (top) await runRootBefores();
      return await fn.call(this, ctx);
    } finally {
      await runAfters();
      if (top) await topLevelDone();
    }
  });
}
it.skip = (name, options, fn) => originalIt.skip(name, options, fn);
it.todo = (name, options, fn) => originalIt.todo(name, options, fn);
it.only = (name, options, fn) => originalIt.only(name, options, fn);

nodeTest.it = it;
nodeTest.test = it;

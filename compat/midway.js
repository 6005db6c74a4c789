'use strict';
/**
 * Which Midway major a run of this repository uses. Midway 3 is the root devDependencies; with
 * MIDWAY_VERSION=4 every `@midwayjs/*` import outside compat/midway4 resolves to the Midway 4
 * set installed there (`npm run midway4:install`), so the same sources and tests run on both.
 * Plain JavaScript: the jest resolver and the `node -r` hook load it before any TypeScript.
 */
const { existsSync, readFileSync } = require('node:fs');
const { join, sep } = require('node:path');

const MIDWAY4_DIR = join(__dirname, 'midway4');
const MIDWAY4_MODULES = join(MIDWAY4_DIR, 'node_modules');
const SCOPE = '@midwayjs/';

/** 3 or 4, from MIDWAY_VERSION (unset: 3). */
function selectedMajor() {
  const value = process.env.MIDWAY_VERSION;
  if (value === undefined || value === '' || value === '3') return 3;
  if (value === '4') return 4;
  throw new Error(`MIDWAY_VERSION must be 3 or 4 (or unset for 3), not '${value}'.`);
}

/** The package name of a `@midwayjs/...` request: `@midwayjs/core/functional` → `@midwayjs/core`. */
function packageOf(request) {
  return request.split('/').slice(0, 2).join('/');
}

/**
 * The directory to resolve `request` from instead of `fromDir`, or undefined to resolve it as
 * usual. Modules inside the Midway 4 set already resolve their own imports there.
 */
function redirectDir(request, fromDir) {
  if (!request.startsWith(SCOPE) || selectedMajor() !== 4) return undefined;
  if (fromDir && (fromDir + sep).startsWith(MIDWAY4_MODULES + sep)) return undefined;
  const name = packageOf(request);
  if (!existsSync(join(MIDWAY4_MODULES, name, 'package.json'))) {
    throw new Error(
      existsSync(MIDWAY4_MODULES)
        ? `${name} is not part of the Midway 4 set (compat/midway4/package.json): add it there, or stop importing it on Midway 4.`
        : 'MIDWAY_VERSION=4 needs the Midway 4 packages: run `npm run midway4:install` first.',
    );
  }
  return MIDWAY4_DIR;
}

const CORE_ROOT = /^(.*node_modules[\\/]@midwayjs[\\/]core)[\\/]/;

/**
 * Remembers where `@midwayjs/core` was resolved to and throws when a second copy shows up.
 * Decorator metadata lives in that module's state: with two copies, classes decorated through
 * one are invisible to the other, and discovery silently finds nothing.
 */
function createCoreCopyGuard() {
  let first;
  return resolved => {
    const match = CORE_ROOT.exec(resolved);
    if (!match) return;
    if (first === undefined) first = match[1];
    else if (match[1] !== first) {
      throw new Error(
        `Two copies of @midwayjs/core in one process: ${first} and ${match[1]}. ` +
          'Every @midwayjs package must resolve the same core (see compat/midway.js).',
      );
    }
  };
}

/** The version in the package.json of the `@midwayjs/core` a resolved file belongs to. */
function coreVersionAt(resolved) {
  const match = CORE_ROOT.exec(resolved);
  if (!match) return undefined;
  return JSON.parse(readFileSync(join(match[1], 'package.json'), 'utf8')).version;
}

module.exports = {
  MIDWAY4_DIR,
  selectedMajor,
  redirectDir,
  createCoreCopyGuard,
  coreVersionAt,
};

'use strict';
/**
 * `node -r ./compat/register.js …`: compat/midway.js's switch for a Node process (forked test
 * apps, benchmarks, the demo), plus the same one-copy-of-core guard the jest resolver has.
 */
const Module = require('node:module');
const { dirname } = require('node:path');
const { redirectDir, createCoreCopyGuard } = require('./midway');

const INSTALLED = Symbol.for('midway-kafka:compat-register');

if (!Module._resolveFilename[INSTALLED]) install();

function install() {
  const guardCoreCopy = createCoreCopyGuard();
  const resolveFilename = Module._resolveFilename;

  Module._resolveFilename = function (request, parent, isMain, options) {
    const fromDir = parent && parent.filename ? dirname(parent.filename) : undefined;
    const redirect = redirectDir(request, fromDir);
    const resolved = redirect
      ? resolveFilename.call(this, request, parent, isMain, { ...options, paths: [redirect] })
      : resolveFilename.call(this, request, parent, isMain, options);
    guardCoreCopy(resolved);
    return resolved;
  };
  Module._resolveFilename[INSTALLED] = true;
}

#!/usr/bin/env node
'use strict';
// The command runs the compiled CLI; `npm run build` (run by `prepare` on install) produces it.
require('../dist/testing/cli.js').runCli();

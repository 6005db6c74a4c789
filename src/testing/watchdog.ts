/**
 * Source of the watchdog that runs between this process and each broker JVM (`node -e`). It
 * starts the JVM and reports `{"type":"pid"}` and `{"type":"exit"}` lines on stdout. A "stop" line
 * on stdin stops the JVM (SIGTERM, then SIGKILL after the grace period). When stdin closes without
 * that — the parent died, even by SIGKILL — it kills the JVM the same way and removes the node's
 * directory (and the cluster directory once empty), so no JVM or data outlives the parent.
 *
 * Plain JavaScript in a string, so it runs the same from ts-node, jest and the compiled package.
 */
export const WATCHDOG_SOURCE = String.raw`
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const config = JSON.parse(process.argv[1]);
const send = message => {
  try { process.stdout.write(JSON.stringify(message) + '\n'); } catch (_) {}
};
process.stdout.on('error', () => {});

const output = fs.openSync(config.outputFile, 'a');
const jvm = spawn(config.command, config.args, { cwd: config.cwd, stdio: ['ignore', output, output] });
let orphaned = false;
let stopping = false;
let exited = false;

function removeData() {
  try { fs.rmSync(config.nodeDir, { recursive: true, force: true, maxRetries: 3 }); } catch (_) {}
  try { fs.rmdirSync(config.clusterDir); } catch (_) {}
}

function stopJvm() {
  if (stopping || exited) return;
  stopping = true;
  try { jvm.kill('SIGTERM'); } catch (_) {}
  setTimeout(() => { try { jvm.kill('SIGKILL'); } catch (_) {} }, config.graceMs);
}

function parentGone() {
  orphaned = true;
  if (exited) { removeData(); process.exit(0); }
  stopJvm();
}

jvm.on('error', error => {
  exited = true;
  send({ type: 'error', message: String(error && error.message) });
  if (orphaned) removeData();
  process.exit(1);
});
jvm.on('spawn', () => send({ type: 'pid', pid: jvm.pid }));
jvm.on('exit', (code, signal) => {
  exited = true;
  send({ type: 'exit', code, signal });
  if (orphaned) removeData();
  process.exit(0);
});

process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { if (chunk.includes('stop')) stopJvm(); });
process.stdin.on('end', parentGone);
process.stdin.on('error', parentGone);
process.on('SIGTERM', parentGone);
process.on('SIGINT', parentGone);
process.on('SIGHUP', parentGone);
`;

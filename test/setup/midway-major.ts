import { dirname } from 'node:path';

// Plain JavaScript shared with the jest resolver (see compat/midway.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const midway = require('../../compat/midway') as {
  selectedMajor(): 3 | 4;
  coreVersionAt(resolved: string): string | undefined;
};

/**
 * Runs before every test file: the tests see the Midway major MIDWAY_VERSION asks for, and every
 * @midwayjs package resolves the very same @midwayjs/core as the tests and midway-kafka do. Two
 * copies would each keep their own decorator metadata, and listener discovery would find nothing.
 */
const core = require.resolve('@midwayjs/core');
const version = midway.coreVersionAt(core);
if (Number(version?.split('.')[0]) !== midway.selectedMajor()) {
  throw new Error(
    `MIDWAY_VERSION asks for Midway ${midway.selectedMajor()}, but @midwayjs/core ${version} (${core}) is loaded.`,
  );
}
for (const name of ['@midwayjs/mock', '@midwayjs/koa', '@midwayjs/bootstrap']) {
  const theirs = require.resolve('@midwayjs/core', { paths: [dirname(require.resolve(name))] });
  if (theirs !== core) {
    throw new Error(`${name} resolves @midwayjs/core to ${theirs}, the tests to ${core}.`);
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BaseFramework } from '@midwayjs/core';
import type { Application, Context, MidwayKafkaConfig } from '../interface';

/** The application's container: `IMidwayContainer` on Midway 3, `IMidwayGlobalContainer` on Midway 4. */
export type ApplicationContainer = BaseFramework<
  Application,
  Context,
  MidwayKafkaConfig
>['applicationContext'];

let major: number | null | undefined;

/**
 * The major version of the `@midwayjs/core` this package runs with (3 or 4), read from that
 * copy's package.json; undefined when it cannot be read (a bundled app, say). What differs
 * between majors is then known, not guessed from the presence of some export.
 */
export function midwayCoreMajor(): number | undefined {
  if (major === undefined) major = readMajor();
  return major ?? undefined;
}

function readMajor(): number | null {
  let dir: string;
  try {
    dir = dirname(require.resolve('@midwayjs/core'));
  } catch {
    return null;
  }
  // The main file is dist/index.js; its package.json is a few directories up.
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@midwayjs/core') {
        const value = Number(pkg.version?.split('.')[0]);
        return Number.isInteger(value) ? value : null;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

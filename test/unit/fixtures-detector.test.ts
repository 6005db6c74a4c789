import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Every `configuration.ts` under `dir`, but the seed examples (kept exactly as the guide writes them). */
function configurations(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (name === 'node_modules' || name.startsWith('seed-')) return [];
    if (statSync(path).isDirectory()) return configurations(path);
    return name === 'configuration.ts' ? [path] : [];
  });
}

describe('fixture apps', () => {
  it('declare a file detector: without one Midway 4 loads nothing from src/ and a listener never runs', () => {
    const files = [...configurations(join(ROOT, 'test')), ...configurations(join(ROOT, 'bench'))];
    expect(files.length).toBeGreaterThan(10);
    const missing = files
      .filter(file => !readFileSync(file, 'utf8').includes('CommonJSFileDetector'))
      .map(file => relative(ROOT, file));
    expect(missing).toEqual([]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  extractBlocks,
  format,
  projectOptions,
  tsFilesUnder,
  typecheck,
  type CodeBlock,
} from './typecheck';

/** The documents whose TypeScript blocks must compile against the project. */
const DOCS = ['README.md', 'docs/zh-CN/README.md'];

const isSeed = (file: string) => /[\\/]examples[\\/]seed-[^\\/]+[\\/]/.test(file);

describe('documentation code blocks and examples compile', () => {
  let blocks: CodeBlock[];
  beforeAll(() => {
    blocks = DOCS.flatMap(doc => extractBlocks(join(ROOT, doc)));
  });

  it('finds the TypeScript blocks of both READMEs, and skips almost none of them', () => {
    for (const doc of DOCS) {
      const ofDoc = blocks.filter(b => b.doc === doc);
      expect(ofDoc.length).toBeGreaterThanOrEqual(10);
      expect(ofDoc.filter(b => b.skip).length).toBeLessThanOrEqual(2);
    }
  });

  it('type-checks every README block (strict) together with the non-seed examples', () => {
    const examples = tsFilesUnder(join(ROOT, 'examples')).filter(f => !isSeed(f));
    expect(examples.length).toBeGreaterThan(5);
    const problems = typecheck(
      blocks.filter(b => !b.skip),
      examples,
      projectOptions(),
    );
    if (problems.length > 0) throw new Error(`Type errors:\n${format(problems)}`);
  }, 240_000);

  it("type-checks the seed examples with Midway's default (non-strict) settings", () => {
    const seeds = tsFilesUnder(join(ROOT, 'examples')).filter(isSeed);
    expect(seeds.length).toBeGreaterThan(10);
    const problems = typecheck(
      [],
      seeds,
      projectOptions({ strict: false, noImplicitOverride: false }),
    );
    if (problems.length > 0) throw new Error(`Type errors:\n${format(problems)}`);
  }, 240_000);

  it('reports a broken block with its document, block number and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
    try {
      const doc = join(dir, 'broken.md');
      writeFileSync(
        doc,
        [
          '# Title',
          '',
          '```ts',
          "const fine: string = 'ok';",
          '```',
          '',
          '<!-- typecheck: skip -->',
          '```ts',
          'this is not TypeScript',
          '```',
          '',
          '```typescript',
          '// src/answer.ts',
          "export const answer: number = 'forty-two';",
          '```',
        ].join('\n'),
      );
      const found = extractBlocks(doc);
      expect(found.map(b => [b.index, b.line, b.skip])).toEqual([
        [1, 3, false],
        [2, 8, true],
        [3, 12, false],
      ]);
      expect(found[2].fileName.endsWith('/src/answer.ts')).toBe(true);
      const problems = typecheck(
        found.filter(b => !b.skip),
        [],
        projectOptions({ types: [] }),
      );
      expect(problems).toHaveLength(1);
      expect(problems[0].where).toMatch(/broken\.md block 3 \(.*broken\.md:14\), line 2 col 14$/);
      expect(problems[0].message).toContain("Type 'string' is not assignable to type 'number'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

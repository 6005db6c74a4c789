import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownFiles } from './markdown';
import {
  ROOT,
  boilerplateOptions,
  extractBlocks,
  format,
  projectOptions,
  tsFilesUnder,
  typecheck,
  type CodeBlock,
} from './typecheck';

const isSeed = (file: string) => /[\\/]examples[\\/]seed-[^\\/]+[\\/]/.test(file);
/** The package itself: an app compiles against its declarations, with skipLibCheck. */
const LIBRARY = join(ROOT, 'src');

/**
 * Every TypeScript block of README.md, CONTRIBUTING.md and every page of docs/ (both languages)
 * compiles the way a user's app compiles it: with the compiler options of Midway's koa
 * boilerplate (an ES2018 target, not strict), and with strict on as well.
 */
describe('documentation code blocks and examples compile', () => {
  let blocks: CodeBlock[];
  let examples: string[];
  beforeAll(() => {
    blocks = markdownFiles().flatMap(doc => extractBlocks(doc));
    examples = tsFilesUnder(join(ROOT, 'examples')).filter(f => !isSeed(f));
  });

  it('finds the TypeScript blocks of README.md and the docs in both languages, and skips almost none', () => {
    const docs = new Set(blocks.map(b => b.doc));
    for (const doc of ['README.md', 'docs/zh-CN/README.md']) {
      expect(blocks.filter(b => b.doc === doc).length).toBeGreaterThanOrEqual(5);
    }
    expect(docs.size).toBeGreaterThanOrEqual(18);
    const skipping = [...docs].filter(
      doc => blocks.filter(b => b.doc === doc && b.skip).length > 2,
    );
    expect(skipping).toEqual([]);
    expect(examples.length).toBeGreaterThan(5);
  });

  it.each([
    ['the koa boilerplate', {}],
    ['the koa boilerplate with strict on', { strict: true }],
  ])(
    "type-checks every block, and the non-seed examples, under %s's compiler options",
    (_name, overrides) => {
      const problems = typecheck(
        blocks.filter(b => !b.skip),
        examples,
        boilerplateOptions(overrides),
        LIBRARY,
      );
      if (problems.length > 0) throw new Error(`Type errors:\n${format(problems)}`);
    },
    240_000,
  );

  it("type-checks the seed examples with the koa boilerplate's (non-strict) options", () => {
    const seeds = tsFilesUnder(join(ROOT, 'examples')).filter(isSeed);
    expect(seeds.length).toBeGreaterThan(10);
    const problems = typecheck([], seeds, boilerplateOptions(), LIBRARY);
    if (problems.length > 0) throw new Error(`Type errors:\n${format(problems)}`);
  }, 240_000);

  describe('the check itself', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'docs-check-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reports a broken block with its document, block number and line', () => {
      const doc = join(dir, 'broken.md');
      writeFileSync(
        doc,
        [
          '# Title',
          '',
          '```ts',
          "const fine: string = 'ok';",
          'export { fine };',
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
        [2, 9, true],
        [3, 13, false],
      ]);
      expect(found[2].fileName.endsWith('/src/answer.ts')).toBe(true);
      const problems = typecheck(
        found.filter(b => !b.skip),
        [],
        projectOptions({ types: [] }),
      );
      expect(problems).toHaveLength(1);
      expect(problems[0].where).toMatch(/broken\.md block 3 \(.*broken\.md:15\), line 2 col 14$/);
      expect(problems[0].message).toContain("Type 'string' is not assignable to type 'number'");
    }, 120_000);

    it('rejects what the boilerplate does not compile: an ES2020 literal, an unused local', () => {
      const doc = join(dir, 'too-new.md');
      writeFileSync(
        doc,
        [
          '```ts',
          '// src/next.ts',
          "export const next = (BigInt('41') + 1n).toString();",
          '```',
          '',
          '```ts',
          '// src/unused.ts',
          'export function twice(n: number): number {',
          '  const unused = n + 1;',
          '  return n * 2;',
          '}',
          '```',
        ].join('\n'),
      );
      const found = extractBlocks(doc);
      // The project's own settings (ES2022) accept both; the boilerplate's do not.
      expect(typecheck(found, [], projectOptions({ types: [] }))).toEqual([]);
      const problems = typecheck(found, [], boilerplateOptions({ types: ['node'] }));
      expect(problems.map(p => p.message)).toEqual([
        expect.stringContaining(
          'BigInt literals are not available when targeting lower than ES2020',
        ),
        expect.stringContaining("'unused' is declared but its value is never read"),
      ]);
    }, 120_000);
  });
});

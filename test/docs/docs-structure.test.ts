import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, anchors, brokenLinks, markdownFiles, read } from './markdown';
import { allTwinProblems, englishPages, twinProblems } from './twins';

/** The front door stays short: the details live in docs/. */
const README_MAX_BYTES = 15 * 1024;

describe('documentation structure', () => {
  it('README.md and its Chinese twin stay under 15 KB', () => {
    const tooLong = ['README.md', 'docs/zh-CN/README.md']
      .map(file => ({ file, bytes: Buffer.byteLength(read(join(ROOT, file))) }))
      .filter(({ bytes }) => bytes > README_MAX_BYTES)
      .map(({ file, bytes }) => `${file}: ${bytes} bytes`);
    expect(tooLong).toEqual([]);
  });

  it('every page has a Chinese twin with the same headings and examples', () => {
    expect(englishPages().length).toBeGreaterThanOrEqual(15);
    expect(allTwinProblems()).toEqual([]);
  });

  it('every relative link of README, CONTRIBUTING and docs/ points to a file and heading that exist', () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(brokenLinks(files)).toEqual([]);
  });

  describe('the checks themselves', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'docs-structure-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('report a missing heading, a heading at another level and a missing example', () => {
      const english = ['# Title', '## One', '```ts', 'x', '```', '### Deep', '## Two'].join('\n');
      expect(twinProblems(english, english, ['en.md', 'zh.md'])).toEqual([]);
      const fewer = ['# 标题', '## 一', '### 深', '## 二'].join('\n');
      expect(twinProblems(english, fewer, ['en.md', 'zh.md'])).toEqual([
        'en.md has 1 TypeScript blocks, zh.md has 0',
      ]);
      const shifted = ['# 标题', '## 一', '```ts', 'x', '```', '## 深', '## 二'].join('\n');
      expect(twinProblems(english, shifted, ['en.md', 'zh.md'])).toEqual([
        expect.stringContaining('heading 3: "### Deep" (en.md:6) is translated at another level'),
      ]);
      const missing = ['# 标题', '## 一', '```ts', 'x', '```', '### 深'].join('\n');
      expect(twinProblems(english, missing, ['en.md', 'zh.md'])).toEqual([
        'en.md has 4 headings, zh.md has 3',
      ]);
    });

    it('ignore headings inside code blocks, and anchor headings as GitHub does', () => {
      const text = [
        '# midway-kafka',
        '```sh',
        '# not a heading',
        '```',
        '## Request–reply',
        '## `@KafkaListener(topic, options)`',
        '## 用 midway-kafka/testing 测试你的应用',
        '## Request–reply',
      ].join('\n');
      expect([...anchors(text)]).toEqual([
        'midway-kafka',
        'requestreply',
        'kafkalistenertopic-options',
        '用-midway-kafkatesting-测试你的应用',
        'requestreply-1',
      ]);
    });

    it('report a link to a missing file and to a missing heading', () => {
      const target = join(dir, 'target.md');
      writeFileSync(target, '# Target\n\n## Some part\n');
      const page = join(dir, 'page.md');
      writeFileSync(
        page,
        [
          '# Page',
          '[ok](target.md#some-part) [ok](#page) [web](https://example.org/x.md)',
          '[gone](missing.md) [no such part](target.md#other-part)',
          '`[in code](missing.md)`',
        ].join('\n'),
      );
      const problems = brokenLinks([page]);
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/page\.md:3: missing\.md: .*missing\.md does not exist$/);
      expect(problems[1]).toMatch(
        /page\.md:3: target\.md#other-part: .* no heading with the anchor #other-part$/,
      );
    });
  });
});

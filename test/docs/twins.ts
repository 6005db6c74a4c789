import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, countFences, headings, markdownFiles, read, repoPath } from './markdown';

/** Where the Chinese twin of an English page lives (README.md's is docs/zh-CN/README.md). */
export function twinOf(englishPage: string): string {
  return join(ROOT, 'docs', 'zh-CN', basename(englishPage));
}

/** The English pages that need a Chinese twin: README.md and every page directly under docs/. */
export function englishPages(): string[] {
  return markdownFiles().filter(
    file => file === join(ROOT, 'README.md') || repoPath(file).match(/^docs\/[^/]+\.md$/),
  );
}

/**
 * What differs between a page and its translation: the headings (count, order and level) and
 * the number of TypeScript and shell examples. Empty when they match.
 */
export function twinProblems(english: string, chinese: string, names: [string, string]): string[] {
  const [en, zh] = [headings(english), headings(chinese)];
  const problems: string[] = [];
  if (en.length !== zh.length) {
    problems.push(`${names[0]} has ${en.length} headings, ${names[1]} has ${zh.length}`);
  }
  for (let i = 0; i < Math.min(en.length, zh.length); i++) {
    if (en[i].level !== zh[i].level) {
      problems.push(
        `heading ${i + 1}: "${'#'.repeat(en[i].level)} ${en[i].text}" (${names[0]}:${en[i].line}) ` +
          `is translated at another level: "${'#'.repeat(zh[i].level)} ${zh[i].text}" (${names[1]}:${zh[i].line})`,
      );
    }
  }
  for (const [label, languages] of [
    ['TypeScript', ['ts', 'typescript']],
    ['shell', ['sh', 'bash', 'shell']],
  ] as const) {
    const [a, b] = [countFences(english, languages), countFences(chinese, languages)];
    if (a !== b) problems.push(`${names[0]} has ${a} ${label} blocks, ${names[1]} has ${b}`);
  }
  return problems;
}

/** Every missing twin and every difference between twins, as messages. */
export function allTwinProblems(): string[] {
  const problems: string[] = [];
  const pages = englishPages();
  for (const page of pages) {
    const twin = twinOf(page);
    if (!existsSync(twin)) {
      problems.push(`${repoPath(page)} has no Chinese twin: write ${repoPath(twin)}`);
      continue;
    }
    problems.push(
      ...twinProblems(read(page), read(twin), [repoPath(page), repoPath(twin)]).map(
        p => `${repoPath(page)} / ${repoPath(twin)}: ${p}`,
      ),
    );
  }
  const twins = new Set(pages.map(twinOf));
  for (const file of markdownFiles()) {
    if (repoPath(file).startsWith('docs/zh-CN/') && !twins.has(file)) {
      problems.push(`${repoPath(file)} translates no English page (docs/${basename(file)})`);
    }
  }
  return problems;
}

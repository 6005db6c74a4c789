import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** A Markdown file of the repository: README.md, CONTRIBUTING.md and everything under docs/. */
export function markdownFiles(): string[] {
  const underDocs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
      entry.isDirectory()
        ? underDocs(join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? [join(dir, entry.name)]
          : [],
    );
  return [
    join(ROOT, 'README.md'),
    join(ROOT, 'CONTRIBUTING.md'),
    ...underDocs(join(ROOT, 'docs')),
  ].filter(existsSync);
}

/** `path` relative to the repository, with forward slashes. */
export function repoPath(path: string): string {
  return relative(ROOT, path).split(sep).join('/');
}

/** The lines of a Markdown text outside fenced code blocks, with their 1-based numbers. */
export function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (marker) {
      fence = marker;
      return;
    }
    out.push({ line: i + 1, text: line });
  });
  return out;
}

export interface Heading {
  level: number;
  text: string;
  line: number;
}

/** The ATX headings (`#` … `######`) of a Markdown text, code blocks excluded. */
export function headings(text: string): Heading[] {
  return proseLines(text).flatMap(({ line, text: content }) => {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(content);
    return match ? [{ level: match[1].length, text: match[2], line }] : [];
  });
}

/**
 * The anchor GitHub gives a heading: lower case, markup and punctuation dropped (letters of any
 * script, digits, `-` and `_` stay), spaces turned into `-`; a repeated anchor gets `-1`, `-2` ….
 */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const heading of headings(text)) {
    const base = heading.text
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

export interface Link {
  target: string;
  line: number;
}

/** Inline links and images `[text](target)` outside code (fenced blocks and code spans). */
export function links(text: string): Link[] {
  return proseLines(text).flatMap(({ line, text: content }) => {
    const withoutCode = content.replace(/`[^`]*`/g, '');
    return [...withoutCode.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
      match => ({ target: match[1], line }),
    );
  });
}

/** Fenced code blocks of a language (`ts`, `sh` …), counted. */
export function countFences(text: string, languages: readonly string[]): number {
  return text.split(/\r?\n/).filter(line => {
    const match = /^\s*(?:`{3,}|~{3,})\s*([\w-]+)/.exec(line);
    return match !== null && languages.includes(match[1].toLowerCase());
  }).length;
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Relative links of `files` that point nowhere: a file that does not exist, or an anchor that no
 * heading of the target (or of the page itself, for `#anchor`) produces.
 */
export function brokenLinks(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const text = read(file);
    for (const { target, line } of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
      const [path, anchor] = target.split('#', 2);
      const resolved = path === '' ? file : join(file, '..', decodeURIComponent(path));
      const where = `${repoPath(file)}:${line}: ${target}`;
      if (!existsSync(resolved)) {
        problems.push(`${where}: ${repoPath(resolved)} does not exist`);
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (!resolved.endsWith('.md')) {
        problems.push(`${where}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!anchors(read(resolved)).has(decodeURIComponent(anchor))) {
        problems.push(`${where}: ${repoPath(resolved)} has no heading with the anchor #${anchor}`);
      }
    }
  }
  return problems;
}

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');

/** One ```ts / ```typescript block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository. */
  doc: string;
  /** 1-based number among the TypeScript blocks of `doc`. */
  index: number;
  /** Line of the opening fence in `doc` (1-based). */
  line: number;
  code: string;
  /** `<!-- typecheck: skip -->` right before the block. */
  skip: boolean;
  /** The virtual file the block is compiled as. */
  fileName: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;
const TS_LANGS = new Set(['ts', 'typescript']);
const SKIP_MARK = /^<!--\s*typecheck:\s*skip\s*-->$/i;
/** A first line like `// src/consumer/order.consumer.ts` names the block's file. */
const FILE_COMMENT = /^\/\/\s*((?:[\w.-]+\/)*[\w.-]+\.ts)\b/;

/**
 * Every TypeScript block of a Markdown file. Blocks are laid out as files of one virtual project
 * per document (under `.docs-typecheck/<doc>/`, which never exists on disk), so a block named
 * `// src/consumer/user.consumer.ts` can import `../service/user.service` from another block.
 */
export function extractBlocks(docPath: string): CodeBlock[] {
  const doc = relative(ROOT, docPath).split(sep).join('/');
  const lines = readFileSync(docPath, 'utf8').split(/\r?\n/);
  const base = join(ROOT, '.docs-typecheck', doc.replace(/[^\w.-]+/g, '_'));
  const blocks: CodeBlock[] = [];
  const used = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    if (TS_LANGS.has(lang.toLowerCase())) {
      const code = lines
        .slice(i + 1, end)
        .map(l => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n');
      let before = i - 1;
      while (before >= 0 && lines[before].trim() === '') before--;
      const index = blocks.length + 1;
      const named = FILE_COMMENT.exec(code.trimStart())?.[1];
      let file = named ?? `block-${index}.ts`;
      for (let n = 2; used.has(file); n++)
        file = (named ?? 'block.ts').replace(/\.ts$/, `.${n}.ts`);
      used.add(file);
      blocks.push({
        doc,
        index,
        line: i + 1,
        code,
        skip: before >= 0 && SKIP_MARK.test(lines[before].trim()),
        fileName: join(base, file),
      });
    }
    i = end;
  }
  return blocks;
}

/** The project's compiler options (strict, decorators, `midway-kafka` → src), without emitting. */
export function projectOptions(overrides: ts.CompilerOptions = {}): ts.CompilerOptions {
  return { ...readOptions('tsconfig.json'), noEmit: true, incremental: false, ...overrides };
}

/**
 * The compiler options of Midway's koa boilerplate (test/docs/tsconfig.koa-boilerplate.json: an
 * ES2018 target, not strict, no unused locals), as a new user's app compiles the docs' code;
 * `midway-kafka` resolves to src/ as the project's own tsconfig maps it.
 */
export function boilerplateOptions(overrides: ts.CompilerOptions = {}): ts.CompilerOptions {
  const { baseUrl, paths } = readOptions('tsconfig.json');
  return {
    ...readOptions('test/docs/tsconfig.koa-boilerplate.json'),
    baseUrl,
    paths,
    noEmit: true,
    incremental: false,
    ...overrides,
  };
}

function readOptions(tsconfig: string): ts.CompilerOptions {
  const config = ts.readConfigFile(join(ROOT, tsconfig), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
}

export interface Problem {
  where: string;
  message: string;
}

/**
 * Type-checks the blocks (as modules) together with `files` in one program; returns every
 * diagnostic, blocks reported as `README.md block 3 (README.md:120), line 5`. Diagnostics in
 * files under `libraryDir` are left out: that is the package itself, which an app compiles
 * against through its declarations, with `skipLibCheck` (src/ targets ES2022, an app may not).
 */
export function typecheck(
  blocks: CodeBlock[],
  files: string[],
  options: ts.CompilerOptions,
  libraryDir?: string,
): Problem[] {
  const virtual = new Map<string, { text: string; block: CodeBlock }>();
  for (const block of blocks) {
    // A block without import/export would be a global script: make it a module of its own.
    const isModule = /^\s*(import|export)\s/m.test(block.code);
    virtual.set(block.fileName, {
      text: isModule ? block.code : `${block.code}\nexport {};\n`,
      block,
    });
  }
  const virtualDirs = new Set<string>();
  for (const file of virtual.keys()) {
    for (let dir = dirname(file); dir.startsWith(ROOT) && dir !== ROOT; dir = dirname(dir)) {
      virtualDirs.add(dir);
    }
  }
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile, directoryExists } = host;
  host.getSourceFile = (fileName, language, onError, fresh) => {
    const entry = virtual.get(fileName);
    if (entry) return ts.createSourceFile(fileName, entry.text, language, true);
    return getSourceFile.call(host, fileName, language, onError, fresh);
  };
  host.fileExists = fileName => virtual.has(fileName) || fileExists.call(host, fileName);
  host.readFile = fileName => virtual.get(fileName)?.text ?? readFile.call(host, fileName);
  host.directoryExists = dir =>
    virtualDirs.has(dir) ||
    (directoryExists ? directoryExists.call(host, dir) : ts.sys.directoryExists(dir));

  const program = ts.createProgram([...virtual.keys(), ...files], options, host);
  const inLibrary = (file: ts.SourceFile | undefined) =>
    libraryDir !== undefined && file !== undefined && file.fileName.startsWith(libraryDir + '/');
  const diagnostics = ts.getPreEmitDiagnostics(program).filter(d => !inLibrary(d.file));
  return diagnostics.map(diagnostic => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file;
    if (!file) return { where: '(program)', message };
    const { line, character } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const entry = virtual.get(file.fileName);
    if (entry) {
      const { doc, index, line: fenceLine } = entry.block;
      return {
        where: `${doc} block ${index} (${doc}:${fenceLine + 1 + line}), line ${line + 1} col ${character + 1}`,
        message,
      };
    }
    return {
      where: `${relative(ROOT, file.fileName)}:${line + 1}:${character + 1}`,
      message,
    };
  });
}

/** Every .ts file under `dir`, recursively, skipping node_modules and logs. */
export function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'logs') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFilesUnder(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

export function format(problems: Problem[]): string {
  return problems.map(p => `${p.where}: ${p.message}`).join('\n');
}

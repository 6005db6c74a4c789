import { join } from 'node:path';
import * as ts from 'typescript';
import { ROOT, proseLines, repoPath } from './markdown';

/**
 * The configuration types docs/configuration.md documents, and where they are declared. A table
 * of the page follows `<!-- options: TypeName -->` and lists, in its first column, every option
 * of that type.
 */
export const CONFIG_TYPES: Record<string, string> = {
  MidwayKafkaConfig: 'src/interface.ts',
  KafkaListenerOptions: 'src/interface.ts',
  RetryPolicy: 'src/consumer/retry/retry-policy.ts',
  ProducerBatchingOptions: 'src/producer/options.ts',
  RequestReplyConfig: 'src/request-reply/options.ts',
  KafkaMetricsConfig: 'src/metrics/settings.ts',
  KafkaTracingConfig: 'src/tracing/settings.ts',
  KafkaEnvelopeConfig: 'src/envelope/settings.ts',
};

/** The types whose members may name further settings types (which then need a table too). */
const ROOT_TYPES = ['MidwayKafkaConfig', 'KafkaListenerOptions'];

export interface TypeOption {
  /** The option's path in the type, e.g. `runConfig.autoCommit`. */
  name: string;
  /** Its doc comment ('' when it has none). */
  doc: string;
}

export interface ConfigTypes {
  /** The options of each type of CONFIG_TYPES. */
  options: Record<string, TypeOption[]>;
  /**
   * Settings interfaces declared in src/ that a root type's option refers to, but that neither
   * have a table (CONFIG_TYPES) nor are spelled out in their parent's table.
   */
  undocumentedTypes: string[];
}

/**
 * Reads the options of CONFIG_TYPES from the sources with the TypeScript compiler. A member whose
 * type is an interface of the same file (`runConfig: KafkaListenerRunConfig`) is spelled out as
 * its members (`runConfig.autoCommit` …); any other member is one option.
 */
export function readConfigTypes(): ConfigTypes {
  const files = [...new Set(Object.values(CONFIG_TYPES))].map(file => join(ROOT, file));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const interfaceIn = (file: string, name: string) => {
    const source = program.getSourceFile(join(ROOT, file));
    const found = source?.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
    );
    if (!found) throw new Error(`${file} declares no interface ${name}`);
    return found;
  };
  const docOf = (member: ts.Node) =>
    ts
      .getJSDocCommentsAndTags(member)
      .map(doc => (typeof doc.comment === 'string' ? doc.comment : ''))
      .join(' ')
      .trim();
  /** The interface of the same file a member's type names directly, if any. */
  const sameFileInterface = (member: ts.PropertySignature, file: string) => {
    const type = member.type;
    if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName)) return undefined;
    const name = type.typeName.text;
    if (name in CONFIG_TYPES) return undefined;
    const source = program.getSourceFile(join(ROOT, file))!;
    const local = source.statements.some(s => ts.isInterfaceDeclaration(s) && s.name.text === name);
    return local ? name : undefined;
  };

  const options: Record<string, TypeOption[]> = {};
  const expanded = new Set<string>();
  for (const [typeName, file] of Object.entries(CONFIG_TYPES)) {
    const list: TypeOption[] = [];
    for (const member of interfaceIn(file, typeName).members) {
      if (!ts.isPropertySignature(member) || !ts.isIdentifier(member.name)) continue;
      const nested = sameFileInterface(member, file);
      if (nested) {
        expanded.add(nested);
        for (const inner of interfaceIn(file, nested).members) {
          if (!ts.isPropertySignature(inner) || !ts.isIdentifier(inner.name)) continue;
          list.push({ name: `${member.name.text}.${inner.name.text}`, doc: docOf(inner) });
        }
      } else {
        list.push({ name: member.name.text, doc: docOf(member) });
      }
    }
    options[typeName] = list;
  }

  // Settings interfaces of src/ that a root option refers to must have a table of their own.
  const undocumented = new Set<string>();
  for (const typeName of ROOT_TYPES) {
    for (const member of interfaceIn(CONFIG_TYPES[typeName], typeName).members) {
      if (!ts.isPropertySignature(member) || !member.type) continue;
      const visit = (node: ts.Node): void => {
        if (ts.isTypeReferenceNode(node)) {
          let symbol = checker.getSymbolAtLocation(node.typeName);
          if (symbol && symbol.flags & ts.SymbolFlags.Alias)
            symbol = checker.getAliasedSymbol(symbol);
          const declaration = symbol?.declarations?.[0];
          if (
            declaration &&
            ts.isInterfaceDeclaration(declaration) &&
            repoPath(declaration.getSourceFile().fileName).startsWith('src/') &&
            !(declaration.name.text in CONFIG_TYPES) &&
            !expanded.has(declaration.name.text)
          ) {
            undocumented.add(declaration.name.text);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(member.type);
    }
  }
  return { options, undocumentedTypes: [...undocumented] };
}

export interface PageTable {
  type: string;
  line: number;
  rows: { names: string[]; cells: string[]; line: number }[];
}

/** The tables of a page that follow `<!-- options: TypeName -->`, with their rows' option names. */
export function optionTables(text: string): PageTable[] {
  const lines = proseLines(text);
  const tables: PageTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!--\s*options:\s*(\w+)\s*-->$/.exec(lines[i].text.trim());
    if (!marker) continue;
    const table: PageTable = { type: marker[1], line: lines[i].line, rows: [] };
    let j = i + 1;
    while (j < lines.length && lines[j].text.trim() === '') j++;
    // Header row and separator first, then the rows until the table ends.
    for (j += 2; j < lines.length && lines[j].text.trim().startsWith('|'); j++) {
      const cells = splitRow(lines[j].text);
      const names = [...(cells[0] ?? '').matchAll(/`([^`]+)`/g)].map(m => m[1]);
      table.rows.push({ names, cells, line: lines[j].line });
    }
    tables.push(table);
  }
  return tables;
}

/** The cells of a Markdown table row; `\|` inside a cell is not a separator. */
function splitRow(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map(cell => cell.trim());
}

/**
 * Where a page and the types disagree: options without a row, rows naming no option, a type
 * without its table, and a documented default that differs from the code's.
 */
export function configPageProblems(
  page: string,
  text: string,
  types: Record<string, TypeOption[]>,
  defaults: Record<string, object>,
): string[] {
  const problems: string[] = [];
  const tables = optionTables(text);
  for (const table of tables) {
    if (!(table.type in types)) {
      problems.push(`${page}:${table.line}: no configuration type is called ${table.type}`);
    }
  }
  for (const [type, options] of Object.entries(types)) {
    const table = tables.find(t => t.type === type);
    if (!table) {
      problems.push(`${page}: no table for ${type} (<!-- options: ${type} --> before it)`);
      continue;
    }
    const documented = new Map(table.rows.flatMap(row => row.names.map(name => [name, row])));
    for (const option of options) {
      if (!documented.has(option.name)) {
        problems.push(`${page}: ${type}.${option.name} is not in its table (line ${table.line})`);
      }
    }
    const known = new Set(options.map(o => o.name));
    for (const row of table.rows) {
      for (const name of row.names) {
        if (!known.has(name)) {
          problems.push(`${page}:${row.line}: ${type} has no option ${name}`);
        }
      }
    }
    for (const [name, value] of Object.entries(defaults[type] ?? {})) {
      if (typeof value === 'object' || typeof value === 'function') continue;
      const row = documented.get(name);
      // The words and numbers of the Default cell, thousands separators dropped (`30,000`).
      const said: string[] =
        (row?.cells[1] ?? '').replace(/(\d)[,_](?=\d{3})/g, '$1').match(/[\w.]+/g) ?? [];
      if (row && !said.includes(String(value))) {
        problems.push(`${page}:${row.line}: the default of ${type}.${name} is ${String(value)}`);
      }
    }
  }
  return problems;
}

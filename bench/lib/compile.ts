import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';

/**
 * Transpiles `entries` (files or folders of .ts) under `root` to plain JavaScript in `outDir`,
 * keeping their layout. A process measured for memory runs this output under plain node, as an
 * application does in production: ts-node alone adds tens of MB to every process it loads.
 */
export function compileForNode(root: string, entries: string[], outDir: string): void {
  for (const entry of entries) {
    for (const file of tsFiles(join(root, entry))) {
      const { outputText } = transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: {
          module: ModuleKind.CommonJS,
          target: ScriptTarget.ES2022,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          esModuleInterop: true,
        },
        fileName: file,
      });
      const out = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, outputText);
    }
  }
}

function tsFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(path).flatMap(name => tsFiles(join(path, name)));
}

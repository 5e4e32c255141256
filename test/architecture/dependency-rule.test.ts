import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule of docs/architecture.md, enforced by reading every import in src/:
 *
 *   lib (pure libraries) ← ports ← domain ← adapters ← edges
 *
 * A layer may import its own layer and the layers to its left; nothing else. A folder under
 * src/ that is not a known layer fails the test, so a new folder can't quietly escape the rule.
 * Pure libraries additionally may not touch I/O, the clock, the process or the console.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

const layers = ['lib', 'ports', 'domain', 'adapters', 'edges'] as const;
type Layer = (typeof layers)[number];

const nodeModulesAllowedInLib = new Set(['node:crypto', 'node:buffer']);
const forbiddenInLib: readonly [RegExp, string][] = [
  [/\bprocess\./, 'process'],
  [/\bconsole\./, 'console'],
  [/\bDate\.now\(|\bnew Date\(/, 'the clock'],
  [/\bMath\.random\(/, 'Math.random (use an injected RandomSource)'],
  [/\bsetTimeout\(|\bsetInterval\(/, 'timers'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function layerOf(file: string): Layer | undefined {
  const top = relative(src, file).split(/[\\/]/)[0];
  return layers.find((layer) => layer === top);
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((imported) => imported.fileName);
}

const files = sourceFiles(src);

describe('dependency rule', () => {
  it('every folder under src/ is a known layer', () => {
    const unknown = files.filter((file) => layerOf(file) === undefined).map((file) => relative(root, file));
    expect(unknown).toEqual([]);
  });

  it('imports point only to the same layer or to layers below it', () => {
    // Tests may wire real adapters under the code they test (no mocks of our own parts), so the
    // direction rule binds production code only.
    const violations = files.filter((file) => !isTestFile(file)).flatMap((file) => importsOf(file).flatMap((specifier) => layerViolation(file, specifier) ?? []));
    expect(violations).toEqual([]);
  });

  it('pure libraries import no I/O modules and no packages', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => layerOf(f) === 'lib')) {
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith('.')) continue;
        if (!nodeModulesAllowedInLib.has(specifier) && !(isTestFile(file) && isTestOnly(specifier))) {
          violations.push(`${relative(root, file)} imports ${specifier}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('pure libraries use no process, console, clock, Math.random or timers', () => {
    const violations: string[] = [];
    for (const file of files.filter((f) => layerOf(f) === 'lib' && !isTestFile(f))) {
      const text = readFileSync(file, 'utf8');
      for (const [pattern, what] of forbiddenInLib) if (pattern.test(text)) violations.push(`${relative(root, file)} uses ${what}`);
    }
    expect(violations).toEqual([]);
  });

  it('the check itself tells allowed imports from forbidden ones', () => {
    // Guards against a rule that cannot fail.
    expect(layerViolation(join(src, 'lib/crypto/kcv.ts'), '../../edges/cli/main.js')).toMatch(/imports/);
    expect(layerViolation(join(src, 'domain/ledger/post.ts'), '../../adapters/store/sqlite.js')).toMatch(/imports/);
    expect(layerViolation(join(src, 'lib/crypto/kcv.ts'), '../../../test/helper.js')).toMatch(/outside src/);
    expect(layerViolation(join(src, 'edges/cli/main.ts'), '../../lib/crypto/index.js')).toBeUndefined();
    expect(layerViolation(join(src, 'domain/ledger/post.ts'), '../../ports/clock.js')).toBeUndefined();
  });
});

/** Describes why importing `specifier` from `file` breaks the rule, or undefined if it doesn't. */
function layerViolation(file: string, specifier: string): string | undefined {
  const from = layerOf(file);
  if (from === undefined || !specifier.startsWith('.')) return undefined;
  const target = layerOf(resolve(dirname(file), specifier));
  if (target !== undefined && layers.indexOf(target) <= layers.indexOf(from)) return undefined;
  return `${relative(root, file)} (${from}) imports ${specifier} (${target ?? 'outside src'})`;
}

/** Tests and their support files (`test-*.ts`, left out of the build) may use test tooling. */
function isTestFile(file: string): boolean {
  return /\.test\.ts$|[\\/]test-[^\\/]*\.ts$/.test(file);
}

function isTestOnly(specifier: string): boolean {
  return ['vitest', 'fast-check', 'node:fs', 'node:path', 'node:url', 'node:child_process', 'node:crypto'].includes(specifier);
}

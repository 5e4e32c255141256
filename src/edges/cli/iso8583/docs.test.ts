import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../../lib/errors/index.js';
import { specNames } from '../../../lib/iso8583/index.js';
import { main } from '../main.js';
import { memoryIo } from '../test-io.js';

/**
 * docs/iso8583-cli.md is checked, not trusted: every `$ bastion …` line in a console block is run
 * in-process and its output (stdout, then stderr) must match the lines below it exactly. Blocks
 * written as ```json file=NAME are the input files those commands name.
 */
const page = readFileSync(fileURLToPath(new URL('../../../../docs/iso8583-cli.md', import.meta.url)), 'utf8');

const files = new Map<string, string>();
for (const match of page.matchAll(/```\w+ file=(\S+)\n([\s\S]*?)```/g)) files.set(match[1] as string, match[2] as string);

interface Example {
  readonly command: string;
  readonly expected: string;
}

const examples: Example[] = [];
for (const match of page.matchAll(/```console\n([\s\S]*?)```/g)) {
  let current: { command: string; lines: string[] } | undefined;
  for (const line of (match[1] as string).split('\n').slice(0, -1)) {
    if (line.startsWith('$ ')) {
      if (current !== undefined) examples.push({ command: current.command, expected: current.lines.map((l) => `${l}\n`).join('') });
      current = { command: line.slice(2), lines: [] };
    } else current?.lines.push(line);
  }
  if (current !== undefined) examples.push({ command: current.command, expected: current.lines.map((l) => `${l}\n`).join('') });
}

const directory = mkdtempSync(join(tmpdir(), 'bastion-iso8583-docs-'));
for (const [name, content] of files) writeFileSync(join(directory, name), content);
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

async function run(command: string): Promise<{ output: string; status: number }> {
  const words = command.split(/\s+/);
  expect(words[0]).toBe('bastion');
  let stdin = '';
  const redirect = words.indexOf('<');
  if (redirect !== -1) {
    stdin = files.get(words[redirect + 1] as string) ?? '';
    words.splice(redirect, 2);
  }
  const argv = words.slice(1).map((word) => (files.has(word) ? join(directory, word) : word));
  const io = memoryIo(stdin);
  const status = await main(argv, io);
  return { output: io.out() + io.err(), status };
}

describe('docs/iso8583-cli.md', () => {
  it('has examples and input files', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
    expect([...files.keys()].sort()).toEqual(['ic-sale.json', 'masked.json', 'sale.hex', 'sale.json', 'sale87.json', 'signin.json']);
  });

  it.each(examples.map((example) => [example.command.slice(0, 90), example] as const))('%s', async (_label, example) => {
    const { output, status } = await run(example.command);
    expect(output).toBe(example.expected);
    expect(status).toBe(example.expected.startsWith('error ') ? 2 : 0);
  });

  it('lists exactly the shipped specs', () => {
    const table = page.slice(page.indexOf('Specs (`--spec`)'), page.indexOf('## The JSON form'));
    const listed = [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1]);
    expect(listed).toEqual([...specNames]);
  });

  it('names only registered error codes', () => {
    const named = [...page.matchAll(/`((?:ISO|CLI|CRYPTO)_ERR_[A-Z_]+)`/g)].map((match) => match[1] as string);
    expect(named.length).toBeGreaterThan(5);
    for (const code of named) expect(Object.hasOwn(errorCodes, code), code).toBe(true);
  });
});

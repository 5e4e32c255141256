import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The README's promise: two set-up commands, the first starts Bastion on demo data, the second runs the tests. */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('opens with exactly two commands: the demo, then the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter((line) => line !== '');
    expect(commands).toEqual(['npm ci && npx bastion demo', 'npm test']);
  });
});

import { Command } from 'commander';
import { loadLmk } from '../../../adapters/hsm/lmk-file.js';
import { SoftwareHsm } from '../../../adapters/hsm/software-hsm.js';
import { seedIssuerSimulator, type SeedResult } from '../../../adapters/network/issuer-simulator/index.js';
import { AuditLog } from '../../../domain/audit/index.js';
import { toHex } from '../../../lib/crypto/index.js';
import type { Store } from '../../../ports/store.js';
import { operatingSystemActor } from '../actor.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../audit/chain-key-file.js';
import type { CliIo } from '../io.js';
import { lmkPassphraseVariable } from '../keys/command.js';
import { formatTable, runWithServices, toJsonLine } from '../merchants/services.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';

interface SeedCommandOptions {
  readonly reset?: boolean;
  readonly dev?: boolean;
  readonly json?: boolean;
}

/** `bastion cards …`: the built-in issuer simulator's test cards. */
export function cardsCommand(io: CliIo, setExit: (code: number) => void): Command {
  const cards = new Command('cards').description("the built-in issuer simulator's test cards (docs/test-cards.md)");
  cards
    .command('seed')
    .description('create the issuer simulator\'s keys and the documented test cards in the configured store; seeding again adds nothing (BASTION_LMK_PASSPHRASE opens the LMK)')
    .option('--reset', 'put existing test cards back as documented: balance, limits, status, PIN tries, ATC')
    .option('--dev', 'allow the published development LMK: for tests and demos only, never for real cards')
    .option('--json', 'print the result as one JSON line')
    .action(async (options: SeedCommandOptions) => {
      await runWithServices(io, setExit, async ({ store }) => {
        const dataDir = dataDirFromEnvironment();
        const passphrase = process.env[lmkPassphraseVariable];
        const lmk = await loadLmk({ dataDir, passphrase: passphrase === '' ? undefined : passphrase, allowDev: options.dev === true });
        try {
          const hsm = new SoftwareHsm(lmk);
          const result = await seedIssuerSimulator({ store, hsm, reset: options.reset === true });
          await auditCreatedKeys(store, dataDir, result);
          return options.json === true ? toJsonLine(seedAsJson(result)) : formatSeed(result);
        } finally {
          lmk.destroy();
        }
      });
    });
  return cards;
}

/**
 * Keys the seed created go to the audit log: the published test keys as imports, the rest as
 * generations, each by type and KCV. Cards are test data, not security events.
 */
export async function auditCreatedKeys(store: Store, dataDir: string, result: SeedResult, environment: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (result.keysCreated.length === 0) return;
  const audit = new AuditLog({ store, clock: () => BigInt(Date.now()), chainKey: readOrCreateAuditChainKey(auditKeyFilePath(environment, dataDir)) });
  const actor = operatingSystemActor();
  for (const key of result.keysCreated) {
    await audit.append({
      actor,
      action: key.origin === 'published' ? 'key.import' : 'key.generate',
      target: `issuer-key:${key.keyId}`,
      source: 'cli',
      outcome: 'success',
      details: { keyType: key.keyType, kcv: toHex(key.kcv), ...(key.origin === 'published' ? { form: 'published-test-components' } : {}) },
    });
  }
}

/** Key check values as hex (JSON.stringify would turn a Buffer into a list of numbers). */
function seedAsJson(result: SeedResult): unknown {
  return {
    keysCreated: result.keysCreated.map((key) => ({ keyId: key.keyId, keyType: key.keyType, kcv: toHex(key.kcv), origin: key.origin })),
    zpkKcv: toHex(result.zpkKcv),
    cards: result.cards,
  };
}

function formatSeed(result: SeedResult): string {
  const created = result.cards.filter((card) => card.outcome === 'created').length;
  const reset = result.cards.filter((card) => card.outcome === 'reset').length;
  const lines = [
    `issuer simulator: ${result.cards.length} test cards (${created} created, ${reset} reset, ${result.cards.length - created - reset} already there)`,
    result.keysCreated.length === 0 ? 'keys: already there' : `keys created: ${result.keysCreated.map((key) => `${key.keyType} (KCV ${toHex(key.kcv)})`).join(', ')}`,
    `zone PIN key shared with the acquirer: KCV ${toHex(result.zpkKcv)}`,
    '',
  ];
  return `${lines.join('\n')}${formatTable(['PROFILE', 'PAN', 'OUTCOME'], result.cards.map((card) => [card.profile, card.maskedPan, card.outcome]))}\nPANs, test PINs and what each card is for: docs/test-cards.md\n`;
}

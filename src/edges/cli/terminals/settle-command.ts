import type { Command } from 'commander';
import { formatAmountMinor, parseAmountMinor } from '../../terminal-simulator/amount.js';
import { settleTerminal, type SettlementOutcome } from '../../terminal-simulator/settle.js';
import type { CliIo } from '../io.js';
import { toJsonLine } from '../merchants/services.js';
import { type ConnectionOptions, exitDeclined, runSimulatorCommand, simulatorContextOf, withConnectionOptions } from './simulator-cli.js';

interface SettleOptions extends ConnectionOptions {
  readonly skew?: string;
}

/**
 * `bastion terminal settle --tid …`: the simulated terminal settles its batch (0500 with the
 * journal's totals), uploads the batch when the host says it does not balance (0320s, then the
 * end message) and moves to the next batch. `--skew <yuan>` adds to the debit total it claims,
 * to show the unbalanced path. Exit status as the other simulator commands: 0 settled, 3 declined,
 * 4 no trustworthy answer, 2 other coded errors.
 */
export function addSettleCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  withConnectionOptions(terminal.command('settle'), 'how long to wait for each reply')
    .description('terminal simulator: settle the current batch (0500), upload it if the host does not balance (0320), then start the next batch')
    .option('--skew <yuan>', 'claim this much more in the debit total than the journal holds, to make the settlement not balance (e.g. 0.01)')
    .option('--json', 'print one JSON line instead of the summary')
    .action(async (options: SettleOptions) => {
      await runSimulatorCommand(io, setExit, async () => {
        const outcome = await settleTerminal(simulatorContextOf(options), options.skew === undefined ? {} : { skewMinor: parseAmountMinor(options.skew) });
        return { output: options.json === true ? toJsonLine(outcomeJson(outcome)) : settlementText(outcome), exitCode: outcome.nextBatchNumber === undefined ? exitDeclined : 0 };
      });
    });
}

function outcomeJson(outcome: SettlementOutcome): Record<string, unknown> {
  const { claimed, ...rest } = outcome;
  return { ...rest, claimed: { debitAmountMinor: claimed.debitAmountMinor.toString(), debitCount: Number(claimed.debitCount), creditAmountMinor: claimed.creditAmountMinor.toString(), creditCount: Number(claimed.creditCount) } };
}

function settlementText(outcome: SettlementOutcome): string {
  const { claimed } = outcome;
  const totals = `debit ${claimed.debitCount.toString()} for ¥${formatAmountMinor(claimed.debitAmountMinor)}, credit ${claimed.creditCount.toString()} for ¥${formatAmountMinor(claimed.creditAmountMinor)}`;
  if (outcome.nextBatchNumber === undefined) return `terminal ${outcome.terminalId}: settlement of batch ${outcome.batchNumber} DECLINED, ${outcome.responseCode} ${outcome.responseMeaning} (trace ${outcome.trace}); the batch stays open\n`;
  const result = outcome.balanced
    ? 'balanced: host and terminal totals agree'
    : `NOT balanced: the terminal uploaded ${outcome.uploadedCount} transaction(s) in ${outcome.uploadMessages - 1} message(s) and the host recorded any differences`;
  return `terminal ${outcome.terminalId}: batch ${outcome.batchNumber} settled (trace ${outcome.trace}), ${totals}; ${result}\nbatch ${outcome.batchNumber} closed; next batch ${outcome.nextBatchNumber}\n`;
}

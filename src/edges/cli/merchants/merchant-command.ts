import { Command } from 'commander';
import { MERCHANT_LIST_LIMIT_DEFAULT, type Merchant } from '../../../domain/merchants/index.js';
import type { CliIo } from '../io.js';
import { formatTable, requiredOption, runWithServices, toJsonLine, wholeNumberOption } from './services.js';

interface AddOptions {
  readonly mid?: string;
  readonly name?: string;
  readonly displayName?: string;
  readonly mcc?: string;
  readonly feeBp?: string;
  readonly feeFixed?: string;
  readonly currency?: string;
  readonly json?: boolean;
}

interface ListOptions {
  readonly limit?: string;
  readonly after?: string;
  readonly json?: boolean;
}

/** `bastion merchant …`: register and list merchants (full onboarding comes later). */
export function merchantCommand(io: CliIo, setExit: (code: number) => void): Command {
  const merchant = new Command('merchant').description('merchants the host accepts transactions for (field 42)');
  merchant
    .command('add')
    .description('register an active merchant')
    .option('--mid <id>', 'merchant id, field 42: 15 letters or digits (required)')
    .option('--name <text>', 'legal name, up to 100 characters (required)')
    .option('--display-name <text>', 'name on receipts, up to 40 characters (default: the legal name)')
    .option('--mcc <digits>', 'merchant category code (default: digits 8-11 of a UnionPay-style merchant id)')
    .option('--fee-bp <n>', 'fee rate in basis points, 0 to 1000 (default 60 = 0.6%)')
    .option('--fee-fixed <minor>', 'fixed fee per transaction in minor units (default 0)')
    .option('--currency <code>', 'ISO 4217 numeric settlement currency (default 156, CNY)')
    .option('--json', 'print the merchant as one JSON line')
    .action(async (options: AddOptions) => {
      await runWithServices(io, setExit, async ({ merchants }) => {
        const added = await merchants.add({
          merchantId: requiredOption(options.mid, '--mid'),
          legalName: requiredOption(options.name, '--name'),
          ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
          ...(options.mcc === undefined ? {} : { mcc: options.mcc }),
          ...(options.currency === undefined ? {} : { currency: options.currency }),
          fee: {
            ...(options.feeBp === undefined ? {} : { rateBasisPoints: Number(wholeNumberOption(options.feeBp, '--fee-bp', 'MERCHANT_ERR_FEE', 6)) }),
            ...(options.feeFixed === undefined ? {} : { fixedMinor: wholeNumberOption(options.feeFixed, '--fee-fixed', 'MERCHANT_ERR_FEE', 16) }),
          },
        });
        return options.json === true ? toJsonLine(added) : `merchant ${added.merchantId} added: ${describeMerchant(added)}\n`;
      });
    });
  merchant
    .command('list')
    .description('list merchants in merchant-id order')
    .option('--limit <n>', `how many, 1 to 1000 (default ${MERCHANT_LIST_LIMIT_DEFAULT})`)
    .option('--after <mid>', 'start after this merchant id (the last one of the previous page)')
    .option('--json', 'print one JSON line per merchant')
    .action(async (options: ListOptions) => {
      await runWithServices(io, setExit, async ({ merchants }) => {
        const list = await merchants.list({
          ...(options.limit === undefined ? {} : { limit: Number(wholeNumberOption(options.limit, '--limit', 'MERCHANT_ERR_ARGUMENT', 7)) }),
          ...(options.after === undefined ? {} : { after: options.after }),
        });
        if (options.json === true) return list.map(toJsonLine).join('');
        if (list.length === 0) return 'no merchants\n';
        return formatTable(
          ['MID', 'STATUS', 'MCC', 'CCY', 'FEE', 'NAME'],
          list.map((entry) => [entry.merchantId, entry.status, entry.mcc, entry.currency, formatFee(entry), entry.displayName]),
        );
      });
    });
  return merchant;
}

function describeMerchant(merchant: Merchant): string {
  const names = merchant.displayName === merchant.legalName ? merchant.legalName : `${merchant.displayName} (${merchant.legalName})`;
  return `${names}, MCC ${merchant.mcc}, currency ${merchant.currency}, fee ${formatFee(merchant)}, ${merchant.status}`;
}

function formatFee(merchant: Merchant): string {
  return `${merchant.fee.rateBasisPoints}bp+${merchant.fee.fixedMinor}`;
}

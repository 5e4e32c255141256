import { auditMigrations } from '../../domain/audit/migrations.js';
import { cardDataMigrations } from '../../domain/card-data/migrations.js';
import { eSignatureMigrations } from '../../domain/e-signature/migrations.js';
import { merchantsMigrations } from '../../domain/merchants/merchant-migrations.js';
import { terminalsMigrations } from '../../domain/terminals/terminal-migrations.js';
import { emvParamsMigrations } from '../../domain/emv-params/migrations.js';
import { hostMigrations } from '../../domain/host/migrations.js';
import { ledgerMigrations } from '../../domain/ledger/migrations.js';
import { settlementMigrations } from '../../domain/settlement/migrations.js';
import type { ModuleMigrations } from '../../ports/store.js';
import { issuerSimulatorMigrations } from '../network/issuer-simulator/migrations.js';

/**
 * Every module that owns tables, in the order their first migrations should run. A new module
 * adds one line here; `bastion migrate` and `bastion serve` migrate exactly this list.
 */
export const storeModules: readonly ModuleMigrations[] = [
  ledgerMigrations,
  auditMigrations,
  merchantsMigrations,
  terminalsMigrations,
  cardDataMigrations,
  issuerSimulatorMigrations,
  hostMigrations,
  settlementMigrations,
  eSignatureMigrations,
  emvParamsMigrations,
];

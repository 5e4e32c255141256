import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult, type RootOperationNode } from 'kysely';
import { BastionError } from '../lib/errors/index.js';

/**
 * A query built and compiled once per database (and per shape), then run with new values.
 *
 * Kysely builds an immutable operation tree and compiles it to SQL on every call. On the host's
 * sale path that was about a fifth of the host's CPU, for a dozen statements whose SQL never
 * changes — only their values do. A prepared query builds its statement once with named
 * placeholders (`arg('terminalId')`), finds where each placeholder landed among the compiled
 * parameters, and from then on only fills in the values. The SQL text is the same as the built
 * query's, so SQLite's statement cache and PostgreSQL's plans work as before.
 *
 * Placeholders must end up as bound parameters (a value in a comparison, a `set`, a `values`
 * row, `sql` template values); a placeholder Kysely inlines into the SQL text is refused when the
 * template is made. Queries whose structure depends on the values (which columns an insert
 * names, how many rows) pass `shapeOf`: one template per shape.
 */
export type ArgumentOf<Args> = <K extends keyof Args & string>(name: K) => Args[K];

export type QueryBuild<DB, Args, Row> = (db: Kysely<DB>, arg: ArgumentOf<Args>, args: Args) => Compilable<Row>;

interface Template {
  readonly sql: string;
  readonly query: RootOperationNode;
  /** Per compiled parameter: the argument's name, or a constant the build put there itself. */
  readonly slots: readonly ({ readonly arg: string } | { readonly constant: unknown })[];
}

const PLACEHOLDER_PREFIX = '\u0000bastion-prepared-argument\u0000';

/**
 * The SQL texts of every template made so far: a finite set (one per prepared query and shape),
 * which a store adapter may prepare once per connection (PostgreSQL named statements) instead of
 * having the server parse and plan them on every run.
 */
const templateSqlTexts = new Set<string>();

/** Whether `sql` is the text of a prepared query's template. */
export function isPreparedSqlText(sql: string): boolean {
  return templateSqlTexts.has(sql);
}

export class PreparedQuery<DB, Args extends object, Row> {
  /** Templates per database adapter (one per open store and dialect), then per shape. */
  readonly #templates = new WeakMap<object, Map<string, Template>>();

  constructor(
    private readonly build: QueryBuild<DB, Args, Row>,
    private readonly shapeOf: (args: Args) => string = () => '',
  ) {}

  /** Runs the query on `db` (a store's Kysely or a transaction) with these values. */
  run(db: Kysely<DB>, args: Args): Promise<QueryResult<Row>> {
    const template = this.#template(db, args);
    const values = args as Record<string, unknown>;
    const parameters = template.slots.map((slot) => ('arg' in slot ? values[slot.arg] : slot.constant));
    const compiled: CompiledQuery<Row> = { sql: template.sql, query: template.query, parameters, queryId: createQueryId() };
    return db.executeQuery(compiled);
  }

  async rows(db: Kysely<DB>, args: Args): Promise<Row[]> {
    return (await this.run(db, args)).rows;
  }

  async first(db: Kysely<DB>, args: Args): Promise<Row | undefined> {
    return (await this.run(db, args)).rows[0];
  }

  #template(db: Kysely<DB>, args: Args): Template {
    const adapter = db.getExecutor().adapter;
    let byShape = this.#templates.get(adapter);
    if (byShape === undefined) {
      byShape = new Map();
      this.#templates.set(adapter, byShape);
    }
    const shape = this.shapeOf(args);
    let template = byShape.get(shape);
    if (template === undefined) {
      template = compileTemplate(db, this.build, args);
      byShape.set(shape, template);
    }
    return template;
  }
}

function compileTemplate<DB, Args, Row>(db: Kysely<DB>, build: QueryBuild<DB, Args, Row>, args: Args): Template {
  const named = new Set<string>();
  const arg = ((name: string) => {
    named.add(name);
    return `${PLACEHOLDER_PREFIX}${name}`;
  }) as ArgumentOf<Args>;
  const compiled = build(db, arg, args).compile();
  if (compiled.sql.includes(PLACEHOLDER_PREFIX)) {
    throw new BastionError('STORE_ERR_PREPARED', 'a prepared query placed an argument into its SQL text instead of binding it');
  }
  const bound = new Set<string>();
  const slots = compiled.parameters.map((parameter) => {
    if (typeof parameter === 'string' && parameter.startsWith(PLACEHOLDER_PREFIX)) {
      const name = parameter.slice(PLACEHOLDER_PREFIX.length);
      bound.add(name);
      return { arg: name };
    }
    return { constant: parameter };
  });
  const unbound = [...named].filter((name) => !bound.has(name));
  if (unbound.length > 0) {
    throw new BastionError('STORE_ERR_PREPARED', `a prepared query did not bind its argument(s) ${unbound.join(', ')} as parameters`);
  }
  templateSqlTexts.add(compiled.sql);
  return { sql: compiled.sql, query: compiled.query, slots };
}

/** The shape of an insert of `row`: the names of its defined columns (undefined means the column's default). */
export function definedColumns(row: object): string {
  // Runs for every insert of the sale path: one pass, no intermediate arrays.
  let shape = '';
  const values = row as Record<string, unknown>;
  for (const column of Object.keys(values)) {
    if (values[column] !== undefined) shape = shape === '' ? column : `${shape},${column}`;
  }
  return shape;
}

/** Placeholders for each defined column of `row`, for an insert's `values`. */
export function placeholders<Row extends object>(row: Row, arg: ArgumentOf<Row>): Row {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value !== undefined) out[column] = arg(column as keyof Row & string);
  }
  return out as Row;
}

// A `db <VERB>` span around every query, inside the trace of the request that runs it. The
// attributes are the SQL text as compiled, with its placeholders ($1, ?) and never the parameter
// values, which hold passwords' hashes, token hashes and addresses. Queries outside any trace
// (the outbox worker's polling, key rereads) make no span: each would be a trace of its own.
import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Tracer,
} from "@opentelemetry/api";
import type {
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from "kysely";
import type { CompiledQuery } from "kysely";

export type DatabaseSystem = "sqlite" | "postgresql";

/** The statement's first keyword (after leading comments), e.g. SELECT, INSERT, BEGIN. */
function verbOf(text: string): string {
  const withoutComments = text.replace(/^(\s*(\/\*[\s\S]*?\*\/|--[^\n]*\n))*\s*/, "");
  return /^[a-z]+/i.exec(withoutComments)?.[0]?.toUpperCase() ?? "QUERY";
}

function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  return error instanceof Error ? error.name : typeof error;
}

/** Runs one query in a span when a trace is active; the query alone otherwise. */
export async function inQuerySpan<T>(
  tracer: Tracer,
  system: DatabaseSystem,
  text: string,
  run: () => Promise<T>,
): Promise<T> {
  const parent = context.active();
  if (trace.getSpan(parent) === undefined) return run();
  const verb = verbOf(text);
  const attributes: Attributes = {
    "db.system": system,
    "db.system.name": system,
    "db.operation.name": verb,
    "db.query.text": text,
  };
  const span = tracer.startSpan(`db ${verb}`, { kind: SpanKind.CLIENT, attributes }, parent);
  try {
    return await run();
  } catch (error) {
    const type = errorType(error);
    span.setAttribute("error.type", type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    throw error;
  } finally {
    span.end();
  }
}

const tracedConnections = new WeakSet<DatabaseConnection>();

/**
 * Wraps each connection's executeQuery in place, once, as Kysely's own query log does: the
 * driver keeps receiving its own connection object (PostgreSQL's has private fields and
 * symbol-keyed methods a wrapper object would lack), and BEGIN, COMMIT and ROLLBACK, which the
 * driver sends through that same method, get spans too.
 */
function traceConnection(
  connection: DatabaseConnection,
  tracer: Tracer,
  system: DatabaseSystem,
): DatabaseConnection {
  if (tracedConnections.has(connection)) return connection;
  const executeQuery = connection.executeQuery.bind(connection);
  connection.executeQuery = <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
    inQuerySpan(tracer, system, query.sql, () => executeQuery<R>(query));
  tracedConnections.add(connection);
  return connection;
}

class TracedDriver implements Driver {
  constructor(
    private readonly driver: Driver,
    private readonly tracer: Tracer,
    private readonly system: DatabaseSystem,
  ) {}

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return traceConnection(await this.driver.acquireConnection(), this.tracer, this.system);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.driver.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]) {
    return this.#savepointStep("savepoint", connection, name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    return this.#savepointStep("rollbackToSavepoint", connection, name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ) {
    return this.#savepointStep("releaseSavepoint", connection, name, compile);
  }

  #savepointStep(
    step: "savepoint" | "rollbackToSavepoint" | "releaseSavepoint",
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    if (this.driver[step] === undefined) {
      throw new Error(`The \`${step}\` method is not supported by this driver`);
    }
    return this.driver[step](connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

/** The dialect with every connection's queries traced; its adapter and compiler unchanged. */
export function withQuerySpans(dialect: Dialect, tracer: Tracer, system: DatabaseSystem): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new TracedDriver(dialect.createDriver(), tracer, system),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => dialect.createIntrospector(db),
  };
}

export function traced(
  dialect: Dialect,
  tracer: Tracer | undefined,
  system: DatabaseSystem,
): Dialect {
  return tracer === undefined ? dialect : withQuerySpans(dialect, tracer, system);
}

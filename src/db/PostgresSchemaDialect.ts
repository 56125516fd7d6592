/**
 * PostgreSQL dialect whose introspection sees only the connection's current schema.
 *
 * Kysely's Migrator finds its own tables through `db.introspection.getTables()`, and Kysely's
 * PostgreSQL introspector lists every column of every table in every schema, calling
 * `has_schema_privilege(name)` and `pg_get_serial_sequence(name)` per row: a query that slows
 * down with the size of the whole server and fails ("schema … does not exist") when another
 * client drops a schema while it runs. Node databases are one schema each, so introspecting
 * `current_schema()` only is both correct and robust.
 */
import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely'

interface ColumnRow {
  table: string
  kind: string
  column: string
  not_null: boolean
  has_default: boolean
  type: string
  type_schema: string
}

/** Introspects the tables of `current_schema()` only. */
export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<any>

  constructor(db: Kysely<any>) {
    this.#db = db
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string | null }>`select current_schema() as name`.execute(this.#db)
    return rows[0]?.name ? [{ name: rows[0].name }] : []
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      select c.relname as "table", c.relkind as kind, a.attname as "column", a.attnotnull as not_null,
             a.atthasdef as has_default, t.typname as type, tns.nspname as type_schema
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid
      join pg_catalog.pg_type t on t.oid = a.atttypid
      join pg_catalog.pg_namespace tns on tns.oid = t.typnamespace
      where ns.nspname = current_schema() and c.relkind in ('r', 'v', 'p') and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`.execute(this.#db)
    const schema = (await this.getSchemas())[0]?.name
    const tables = new Map<string, TableMetadata & { columns: TableMetadata['columns'][number][] }>()
    for (const r of rows) {
      if (!options.withInternalKyselyTables && (r.table === DEFAULT_MIGRATION_TABLE || r.table === DEFAULT_MIGRATION_LOCK_TABLE)) continue
      let table = tables.get(r.table)
      if (!table) tables.set(r.table, (table = { name: r.table, schema, isView: r.kind === 'v', columns: [] }))
      table.columns.push({ name: r.column, dataType: r.type, dataTypeSchema: r.type_schema, isNullable: !r.not_null, hasDefaultValue: r.has_default, isAutoIncrementing: false })
    }
    return [...tables.values()]
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) }
  }
}

/**
 * `PostgresDialect` with {@link CurrentSchemaIntrospector}.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new PostgresSchemaDialect({ pool }) })
 */
export class PostgresSchemaDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db)
  }
}

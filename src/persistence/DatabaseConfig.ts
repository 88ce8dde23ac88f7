import { Context, Option, type Redacted, Schema } from "effect"
import { PostgresUrl, withDefault } from "../config/Fields.ts"
import { section } from "../config/Section.ts"

export interface DatabaseSettings {
  /** A PostgreSQL server; none means the embedded database under `dataDir`. */
  readonly url: Option.Option<Redacted.Redacted<string>>
  readonly dataDir: string
}

export class DatabaseConfig extends Context.Service<DatabaseConfig, DatabaseSettings>()(
  "reprise/persistence/DatabaseConfig"
) {
  static readonly section = section({
    fields: {
      DATABASE_URL: Schema.optionalKey(Schema.RedactedFromValue(PostgresUrl, { label: "DATABASE_URL" })),
      DATA_DIR: Schema.NonEmptyString.pipe(withDefault("./data"))
    },
    secrets: ["DATABASE_URL"],
    build: (e): DatabaseSettings => ({ url: Option.fromUndefinedOr(e.DATABASE_URL), dataDir: e.DATA_DIR })
  })
}

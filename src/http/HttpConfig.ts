import { Context, Schema } from "effect"
import { Port, withDefault } from "../config/Fields.ts"
import { section } from "../config/Section.ts"

export interface HttpSettings {
  readonly host: string
  readonly port: number
}

export class HttpConfig extends Context.Service<HttpConfig, HttpSettings>()("reprise/http/HttpConfig") {
  static readonly section = section({
    fields: {
      HTTP_HOST: Schema.NonEmptyString.pipe(withDefault("127.0.0.1")),
      HTTP_PORT: Port.pipe(withDefault("8080"))
    },
    build: (e): HttpSettings => ({ host: e.HTTP_HOST, port: e.HTTP_PORT })
  })
}

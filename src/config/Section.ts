/**
 * Configuration by capability: each room declares the environment variables it reads as a
 * `Section` (their schemas, defaults included; which are secret; how they become its settings),
 * and the program composes the sections in one place (src/AppConfig.ts). Every section decodes
 * the whole environment with every problem reported, so one run lists every bad variable.
 */
import { Context, type Effect, Layer, Result, Schema, SchemaIssue } from "effect"

export interface SectionContext {
  /** Standard output is a terminal (pretty logs by default). */
  readonly interactive: boolean
}

export interface Section<A> {
  /** Every variable the section reads. */
  readonly keys: ReadonlyArray<string>
  /** Variables whose values must never be echoed back, even in an error message. */
  readonly secrets: ReadonlyArray<string>
  /** The settings, or one line per variable that is wrong. */
  readonly decode: (env: Readonly<Record<string, string>>, context: SectionContext) => Result.Result<A, ReadonlyArray<string>>
}

const toStandard = SchemaIssue.makeFormatterStandardSchemaV1()

/** Variables decode from text alone: no field needs a service to decode. */
type Fields = { readonly [key: string]: Schema.Top & { readonly DecodingServices: never } }

export const make = <F extends Fields, A>(spec: {
  readonly fields: F
  readonly secrets?: ReadonlyArray<keyof F & string> | undefined
  /** A better line than "X is required" for a variable that is missing, e.g. how to get one. */
  readonly missing?: Partial<Record<keyof F & string, string>> | undefined
  readonly build: (env: Schema.Struct<F>["Type"], context: SectionContext) => A
}): Section<A> => {
  const schema = Schema.Struct(spec.fields)
  const secrets: ReadonlyArray<string> = spec.secrets ?? []
  const missing: Partial<Record<string, string>> = spec.missing ?? {}
  const describe = (key: string, message: string): string => {
    if (message === "Missing key") return missing[key] ?? `${key} is required`
    // A secret's value must not reach the terminal, even when it is wrong.
    if (secrets.includes(key) && !message.startsWith("must ")) return `${key} is not valid`
    return `${key} ${message.startsWith("must ") ? message : `is not valid: ${message}`}`
  }
  const decodeAll = Schema.decodeUnknownResult(schema)
  return {
    keys: Object.keys(spec.fields),
    secrets,
    decode: (env, context) =>
      Result.match(decodeAll(env, { errors: "all", onExcessProperty: "ignore" }), {
        onSuccess: (decoded) => Result.succeed(spec.build(decoded, context)),
        onFailure: (error) => {
          // One line per variable: its first problem is the one to fix.
          const byKey = new Map<string, string>()
          for (const issue of toStandard(error.issue).issues) {
            const key = String(issue.path?.[0] ?? "configuration")
            if (!byKey.has(key)) byKey.set(key, describe(key, issue.message))
          }
          return Result.fail(Array.from(byKey.values()))
        }
      })
  }
}

/**
 * The decoded settings of every section, for the layers that read their own (`layerConfig`).
 * The program decodes all sections once at start-up (src/AppConfig.ts) and provides them here.
 */
export class ConfigSections extends Context.Service<ConfigSections, {
  readonly get: <A>(section: Section<A>) => A
}>()("reprise/config/ConfigSections") {
  static readonly layer = (entries: ReadonlyArray<readonly [Section<unknown>, unknown]>) => {
    const values = new Map(entries)
    return Layer.succeed(
      ConfigSections,
      ConfigSections.of({
        get: <A>(section: Section<A>): A => {
          if (!values.has(section)) throw new Error(`configuration section not provided: ${section.keys.join(", ")}`)
          // Each entry pairs a section with what that same section decoded.
          return values.get(section) as A
        }
      })
    )
  }
}

/** A section's settings, as a layer reads them. */
export const settingsOf = <A>(section: Section<A>): Effect.Effect<A, never, ConfigSections> =>
  ConfigSections.useSync((sections) => sections.get(section))

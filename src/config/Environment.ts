import { Effect, Result, Schema } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { parseEnv } from "node:util"
import type { Section, SectionContext } from "./Section.ts"

/** The configuration could not be used; each problem names its variable and what is wrong. */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return this.problems.join("\n")
  }
}

/** The process environment over the optional `.env` file in the working directory (the environment wins). */
export const readEnvironment = (): Readonly<Record<string, string | undefined>> => {
  const fromFile = existsSync(".env") ? parseEnv(readFileSync(".env", "utf8")) : {}
  return { ...fromFile, ...process.env }
}

/** Unset and empty variables are the same thing: `.env` templates leave values blank. */
const present = (env: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "")
  )

export type SettingsOf<S extends Record<string, Section<unknown>>> = {
  readonly [K in keyof S]: S[K] extends Section<infer A> ? A : never
}

/** Decodes every section from one environment, reporting the problems of all of them together. */
export const decodeSections = <S extends Record<string, Section<unknown>>>(
  sections: S,
  env: Readonly<Record<string, string | undefined>>,
  context: SectionContext
): Effect.Effect<SettingsOf<S>, ConfigInvalid> => {
  const values = present(env)
  const settings: Record<string, unknown> = {}
  const problems: Array<string> = []
  for (const [name, section] of Object.entries(sections)) {
    const decoded = section.decode(values, context)
    if (Result.isSuccess(decoded)) settings[name] = decoded.success
    else problems.push(...decoded.failure)
  }
  return problems.length > 0
    ? Effect.fail(new ConfigInvalid({ problems }))
    // Every section decoded: the record holds one settings value per section name.
    : Effect.succeed(settings as SettingsOf<S>)
}

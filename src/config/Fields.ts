/** Field schemas shared by the configuration sections: how a variable's text becomes a value. */
import { Duration, Effect, Schema, SchemaTransformation } from "effect"

/** The variable may be absent; absent means `value` (written as it would be in the environment). */
export const withDefault = (value: string) => <S extends Schema.Constraint & { readonly "Encoded": string }>(self: S) =>
  Schema.withDecodingDefaultKey<S>(Effect.succeed(value))(self)

export const HttpUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: "must be an http:// or https:// URL" })
)

export const PostgresUrl = Schema.String.check(
  Schema.isPattern(/^postgres(ql)?:\/\/\S+$/, { message: "must be a postgres:// or postgresql:// URL" })
)

/** A value as an error may show it: short, on one line. */
const shown = (text: string) => {
  const line = text.replace(/\s+/g, " ")
  return line.length > 40 ? `${line.slice(0, 40)}…` : line
}

/**
 * A whole number written in decimal digits, from `minimum` to `maximum`. Nothing else is read as
 * a number: `0x1F90`, `8e3`, `1.5`, `-1` and `Infinity` are refused rather than turned into
 * something the operator did not write, and the bounds keep a typo from asking for a billion
 * processes.
 */
export const Integer = (minimum: number, maximum: number) =>
  Schema.String.check(
    Schema.makeFilter((text: string) =>
      /^\d{1,16}$/.test(text) && Number(text) >= minimum && Number(text) <= maximum
        ? true
        : `must be an integer from ${minimum} to ${maximum}, got ${shown(text)}`
    )
  ).pipe(
    Schema.decodeTo(Schema.Int, SchemaTransformation.transform({ decode: Number, encode: String }))
  )

export const Port = Integer(0, 65535)

/** A decimal number (digits, an optional fraction) from `minimum` to `maximum`. */
export const Decimal = (minimum: number, maximum: number) =>
  Schema.String.check(
    Schema.makeFilter((text: string) =>
      /^\d{1,16}(\.\d{1,16})?$/.test(text) && Number(text) >= minimum && Number(text) <= maximum
        ? true
        : `must be a number from ${minimum} to ${maximum}, got ${shown(text)}`
    )
  ).pipe(
    Schema.decodeTo(Schema.Number, SchemaTransformation.transform({ decode: Number, encode: String }))
  )

/**
 * A positive duration such as "30 seconds", at most `maximum` (written the same way): Effect's
 * reading alone takes "Infinity" and "99999999999999999999 hours".
 */
export const DurationText = (maximum: Extract<Duration.Input, string>) => {
  const most = Duration.fromInputUnsafe(maximum)
  return Schema.String.check(
    Schema.makeFilter((text: string) => {
      const read = Schema.decodeUnknownOption(Schema.DurationFromString)(text)
      return read._tag === "Some" && Duration.isFinite(read.value) && Duration.isGreaterThan(read.value, Duration.zero) &&
          Duration.isLessThanOrEqualTo(read.value, most)
        ? true
        : `must be a duration from 1 millisecond to ${maximum} such as "30 seconds" or "5 minutes", got ${shown(text)}`
    })
  ).pipe(Schema.decodeTo(Schema.DurationFromString))
}

export const Flag = Schema.Literals(["true", "false"]).pipe(
  Schema.decodeTo(Schema.Boolean, SchemaTransformation.transform({
    decode: (text) => text === "true",
    encode: (flag) => flag ? "true" as const : "false" as const
  }))
)

export const RedisUrl = Schema.String.check(
  Schema.isPattern(/^rediss?:\/\/\S+$/, { message: "must be a redis:// or rediss:// URL" })
)

/** How many requests a window allows. */
export interface Budget {
  readonly limit: number
  readonly window: Duration.Duration
}

/** `<count> per <duration>`; a bare unit is one of it (`120 per minute`). */
const budgetText = /^(\d+) per (\d+(?:\.\d+)? )?(millis?|seconds?|minutes?|hours?|days?)$/

/** More requests than this in one window is no limit at all. */
const maxBudget = 1_000_000

const parseBudget = (text: string): Budget => {
  const [, count = "0", amount = "1 ", unit = "seconds"] = budgetText.exec(text.trim()) ?? []
  return { limit: Number(count), window: Duration.fromInputUnsafe(`${amount.trim()} ${unit}` as Duration.Input) }
}

export const BudgetText = Schema.String.check(
  Schema.makeFilter((text: string) => {
    if (!budgetText.test(text.trim())) return false
    const { limit, window } = parseBudget(text)
    return limit >= 1 && limit <= maxBudget && Duration.isGreaterThan(window, Duration.zero) &&
      Duration.isLessThanOrEqualTo(window, Duration.days(1))
  }, {
    message: `must be a budget such as "10 per 20 seconds" or "120 per minute" (a count from 1 to ${maxBudget}, a window of a day at most)`
  })
).pipe(
  Schema.decodeTo(
    Schema.Struct({ limit: Schema.Int, window: Schema.Duration }),
    SchemaTransformation.transform({
      decode: parseBudget,
      encode: (budget) => `${budget.limit} per ${Duration.toMillis(budget.window)} millis`
    })
  )
)

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

export const Port = Schema.NumberFromString.check(
  Schema.isInt({ message: "must be a whole number" }),
  Schema.isBetween({ minimum: 0, maximum: 65535 }, { message: "must be a port number between 0 and 65535" })
)

export const DurationText = Schema.DurationFromString.check(
  Schema.makeFilter((d: Duration.Duration) => Duration.isGreaterThan(d, Duration.zero), {
    message: "must be a positive duration such as \"30 seconds\" or \"5 minutes\""
  })
)

export const Count = (minimum: number) =>
  Schema.NumberFromString.check(
    Schema.isInt({ message: "must be a whole number" }),
    Schema.isGreaterThanOrEqualTo(minimum, { message: `must be ${minimum} or more` })
  )

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

const parseBudget = (text: string): Budget => {
  const [, count = "0", amount = "1 ", unit = "seconds"] = budgetText.exec(text.trim()) ?? []
  return { limit: Number(count), window: Duration.fromInputUnsafe(`${amount.trim()} ${unit}` as Duration.Input) }
}

export const BudgetText = Schema.String.check(
  Schema.makeFilter((text: string) => {
    if (!budgetText.test(text.trim())) return false
    const { limit, window } = parseBudget(text)
    return limit >= 1 && Duration.isGreaterThan(window, Duration.zero)
  }, { message: "must be a budget such as \"10 per 20 seconds\" or \"120 per minute\" (a count of 1 or more)" })
).pipe(
  Schema.decodeTo(
    Schema.Struct({ limit: Schema.Int, window: Schema.Duration }),
    SchemaTransformation.transform({
      decode: parseBudget,
      encode: (budget) => `${budget.limit} per ${Duration.toMillis(budget.window)} millis`
    })
  )
)

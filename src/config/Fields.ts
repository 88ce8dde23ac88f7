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

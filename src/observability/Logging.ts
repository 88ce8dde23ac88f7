import { Context, Layer, Logger, References, Schema, Tracer } from "effect"
import { withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"

export const LogLevelName = Schema.Literals(["trace", "debug", "info", "warn", "error", "fatal"])
export type LogLevelName = typeof LogLevelName.Type

export interface LogSettings {
  readonly level: LogLevelName
  readonly format: "pretty" | "json"
}

/** Pretty lines on a terminal, JSON otherwise, unless LOG_FORMAT says which. */
export const section = Section.make({
  fields: {
    LOG_LEVEL: LogLevelName.pipe(withDefault("info")),
    LOG_FORMAT: Schema.optionalKey(Schema.Literals(["pretty", "json"]))
  },
  build: (e, context): LogSettings => ({
    level: e.LOG_LEVEL,
    format: e.LOG_FORMAT ?? (context.interactive ? "pretty" : "json")
  })
})

const levels = {
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error",
  fatal: "Fatal"
} as const

/**
 * One JSON object per line, carrying the trace and span ids of the current span so that a
 * log line leads to its trace in Jaeger.
 */
const jsonWithTrace = Logger.make((options) => {
  const entry = Logger.formatStructured.log(options)
  const span = Context.getOrUndefined(options.fiber.context, Tracer.ParentSpan)
  return JSON.stringify(span === undefined ? entry : { ...entry, traceId: span.traceId, spanId: span.spanId })
})

export const layer = (options: LogSettings) =>
  Layer.mergeAll(
    Logger.layer([options.format === "json" ? Logger.withConsoleLog(jsonWithTrace) : Logger.consolePretty()]),
    Layer.succeed(References.MinimumLogLevel, levels[options.level])
  )

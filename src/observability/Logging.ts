import { Context, Layer, Logger, References, Tracer } from "effect"
import type { LogLevelName } from "../config/Env.ts"

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

export const layerLogging = (options: { readonly level: LogLevelName; readonly format: "pretty" | "json" }) =>
  Layer.mergeAll(
    Logger.layer([options.format === "json" ? Logger.withConsoleLog(jsonWithTrace) : Logger.consolePretty()]),
    Layer.succeed(References.MinimumLogLevel, levels[options.level])
  )

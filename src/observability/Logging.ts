import { inspect } from "node:util"
import { Console, Context, Layer, Logger, References, Schema, Tracer } from "effect"
import { withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { redact } from "./Redaction.ts"

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

/** What a log line would print for `value`, as text. */
const printed = (value: unknown, colors: boolean): string =>
  typeof value === "string" ? value : inspect(value, { colors, depth: 6 })

/**
 * The console both loggers write through, redacting every line (see `Redaction`): a log line is
 * where an error's request URL, with its interaction token, would otherwise be printed.
 */
export const redactingConsole = (target: Console.Console, colors: boolean): Console.Console => {
  const lines = (args: ReadonlyArray<unknown>) => args.map((arg) => redact(printed(arg, colors)))
  return {
    ...target,
    assert: (condition, ...args) => target.assert(condition, ...lines(args)),
    debug: (...args) => target.debug(...lines(args)),
    dir: (item) => target.log(redact(printed(item, colors))),
    dirxml: (...args) => target.dirxml(...lines(args)),
    error: (...args) => target.error(...lines(args)),
    group: (...args) => target.group(...lines(args)),
    groupCollapsed: (...args) => target.groupCollapsed(...lines(args)),
    info: (...args) => target.info(...lines(args)),
    log: (...args) => target.log(...lines(args)),
    table: (data) => target.log(redact(printed(data, colors))),
    timeLog: (label, ...args) => target.timeLog(label, ...lines(args)),
    trace: (...args) => target.trace(...lines(args)),
    warn: (...args) => target.warn(...lines(args))
  }
}

/** The loggers of the settings, writing to `target` (stdout and stderr unless a test captures them). */
export const layer = (options: LogSettings, target: Console.Console = globalThis.console) =>
  Layer.mergeAll(
    Logger.layer([options.format === "json" ? Logger.withConsoleLog(jsonWithTrace) : Logger.consolePretty()]),
    Layer.succeed(References.MinimumLogLevel, levels[options.level]),
    Layer.succeed(Console.Console, redactingConsole(target, options.format === "pretty" && process.stdout.isTTY === true))
  )

import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import type { AttributeValue, Attributes } from "@opentelemetry/api"
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import { Layer, Option, Schema } from "effect"
import { HttpUrl, withDefault } from "../config/Fields.ts"
import * as Section from "../config/Section.ts"
import { redact } from "./Redaction.ts"

export interface TracingSettings {
  /** An OTLP/HTTP collector, e.g. Jaeger on :4318; none switches tracing off. */
  readonly endpoint: Option.Option<string>
  readonly serviceName: string
}

export const section = Section.make({
  fields: {
    OTEL_EXPORTER_OTLP_ENDPOINT: Schema.optionalKey(HttpUrl),
    OTEL_SERVICE_NAME: Schema.NonEmptyString.pipe(withDefault("reprise"))
  },
  build: (e): TracingSettings => ({
    endpoint: Option.fromUndefinedOr(e.OTEL_EXPORTER_OTLP_ENDPOINT),
    serviceName: e.OTEL_SERVICE_NAME
  })
})

const redactValue = (value: AttributeValue | undefined): AttributeValue | undefined =>
  typeof value === "string"
    ? redact(value)
    : Array.isArray(value)
    ? value.map((item: unknown) => typeof item === "string" ? redact(item) : item) as AttributeValue
    : value

const redactAttributes = (attributes: Attributes | undefined): Attributes =>
  Object.fromEntries(Object.entries(attributes ?? {}).map(([key, value]) => [key, redactValue(value)]))

/**
 * A span as exported: its name, attributes, events (an error's message and stack among them),
 * links and status message redacted. Everything else is the span's own.
 */
export const redactSpan = (span: ReadableSpan): ReadableSpan => ({
  name: redact(span.name),
  kind: span.kind,
  spanContext: () => span.spanContext(),
  ...(span.parentSpanContext === undefined ? {} : { parentSpanContext: span.parentSpanContext }),
  startTime: span.startTime,
  endTime: span.endTime,
  status: span.status.message === undefined ? span.status : { ...span.status, message: redact(span.status.message) },
  attributes: redactAttributes(span.attributes),
  links: span.links.map((link) => ({ ...link, attributes: redactAttributes(link.attributes) })),
  events: span.events.map((event) => ({ ...event, name: redact(event.name), attributes: redactAttributes(event.attributes) })),
  duration: span.duration,
  ended: span.ended,
  resource: span.resource,
  instrumentationScope: span.instrumentationScope,
  droppedAttributesCount: span.droppedAttributesCount,
  droppedEventsCount: span.droppedEventsCount,
  droppedLinksCount: span.droppedLinksCount
})

/** Redacts every span on its way out, whatever recorded it (an error from discord.js carries its request's URL). */
export const redacting = (exporter: SpanExporter): SpanExporter => ({
  export: (spans, done) => exporter.export(spans.map(redactSpan), done),
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve()
})

/** OpenTelemetry tracing over OTLP/HTTP to the endpoint; nothing when it is unset. */
export const layer = (options: TracingSettings) =>
  Option.match(options.endpoint, {
    onNone: () => Layer.empty,
    onSome: (endpoint) =>
      NodeSdk.layer(() => ({
        resource: { serviceName: options.serviceName, serviceVersion: "0.1.0" },
        spanProcessor: new BatchSpanProcessor(
          redacting(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, "")}/v1/traces` })),
          { scheduledDelayMillis: 1000 }
        )
      }))
  })

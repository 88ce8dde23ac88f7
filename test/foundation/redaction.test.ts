import { assert, describe, it } from "@effect/vitest"
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import * as Logging from "../../src/observability/Logging.ts"
import { redact } from "../../src/observability/Redaction.ts"
import { redacting } from "../../src/observability/Tracing.ts"

const token = "fake-Zm9vYmFyYmF6cXV4cXV1eHl6enl4d3Z1dHNy"
const callback = `https://discord.com/api/v10/interactions/1312345678901234567/${token}/callback?with_response=false`
const edit = `https://discord.com/api/v10/webhooks/1100000000000000001/${token}/messages/@original`
const attachment =
  "https://cdn.discordapp.com/ephemeral-attachments/1/2/song.mp3?ex=6750c1a2&is=674f7022&hm=0a1b2c3d4e5f60718293a4b5c6d7e8f9"

describe("redact", () => {
  it("removes the token of an interaction callback and of a webhook, and keeps the rest of the path", () => {
    assert.strictEqual(
      redact(`POST ${callback} failed`),
      "POST https://discord.com/api/v10/interactions/1312345678901234567/[redacted]/callback?with_response=false failed"
    )
    assert.strictEqual(
      redact(`PATCH ${edit}`),
      "PATCH https://discord.com/api/v10/webhooks/1100000000000000001/[redacted]/messages/@original"
    )
  })

  it("drops a signed link's whole query string, whatever its parameters are called", () => {
    assert.strictEqual(
      redact(`could not fetch ${attachment}: 403`),
      "could not fetch https://cdn.discordapp.com/ephemeral-attachments/1/2/song.mp3?[redacted]: 403"
    )
    const signed = [
      "https://r1.googlevideo.com/videoplayback?expire=1733&ei=x&sig=AOq0QJ8w&mime=audio",
      "https://bucket.s3.amazonaws.com/a.mp3?X-Amz-Algorithm=AWS4&X-Amz-Signature=abcdef",
      "https://stream.example/live.m3u8?token=s3cr3t",
      "https://cdn.example/a.ogg?Policy=eyJ&Key-Pair-Id=K2&Signature=abc"
    ]
    for (const url of signed) {
      const out = redact(`"${url}"`)
      assert.strictEqual(out, `"${url.split("?")[0]}?[redacted]"`, url)
    }
  })

  it("leaves a query string that carries nothing secret, and text that only looks like one", () => {
    const plain = [
      "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1",
      "Really? yes",
      "/play query=what?",
      "https://discord.com/api/v10/applications/1/commands"
    ]
    for (const text of plain) assert.strictEqual(redact(text), text)
  })

  it("removes a bot token and Discord's own interaction tokens wherever they appear", () => {
    const bot = "Bot MTEwMDAwMDAwMDAwMDAwMDAx.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789"
    assert.strictEqual(redact(`authorization: ${bot}`), "authorization: Bot [redacted]")
    assert.strictEqual(redact("token aW50ZXJhY3Rpb246MTIzOjQ1NjpBYkNk_-9 here"), "token [redacted] here")
  })

  it("redacts the same text inside JSON, where a line is serialized", () => {
    const line = JSON.stringify({ message: "could not answer", cause: { url: callback, link: attachment } })
    const out = redact(line)
    assert.notInclude(out, token)
    assert.notInclude(out, "hm=")
    assert.deepStrictEqual(JSON.parse(out).cause.url, callback.replace(token, "[redacted]"))
  })
})

describe("the log and span boundaries", () => {
  it.effect("a log line goes out redacted, in JSON and pretty", () =>
    Effect.gen(function*() {
      for (const format of ["json", "pretty"] as const) {
        const printed: Array<string> = []
        const capture = { ...console, log: (...args: ReadonlyArray<unknown>) => printed.push(args.map(String).join(" ")) }
        const failure = Object.assign(new Error("Unknown interaction"), { url: callback, requestBody: { files: [] } })
        yield* Effect.logWarning("could not answer an interaction", { attachment }, failure).pipe(
          Effect.provide(Logging.layer({ level: "info", format }, capture))
        )
        const all = printed.join("\n")
        assert.include(all, "could not answer an interaction", format)
        assert.include(all, "[redacted]", format)
        assert.notInclude(all, token, format)
        assert.notInclude(all, "hm=0a1b", format)
      }
    }))

  it("a span goes out with its attributes, events and status redacted", async () => {
    const memory = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(redacting(memory))] })
    const span = provider.getTracer("test").startSpan(`POST ${callback}`, { attributes: { "url.full": callback, links: [attachment, "plain"] } })
    span.recordException(Object.assign(new Error(`request to ${edit} failed`), { name: "DiscordAPIError" }))
    span.addEvent("retry", { link: attachment }, undefined)
    span.setStatus({ code: 2, message: `failed: ${callback}` })
    span.end()
    await provider.forceFlush()
    const [exported] = memory.getFinishedSpans()
    assert.isDefined(exported)
    const text = JSON.stringify({
      name: exported.name, attributes: exported.attributes, events: exported.events, status: exported.status
    })
    assert.notInclude(text, token)
    assert.notInclude(text, "hm=")
    assert.include(text, "[redacted]")
    assert.deepStrictEqual(exported.attributes["links"], [attachment.split("?")[0] + "?[redacted]", "plain"])
    assert.strictEqual(exported.events[0]?.name, "exception")
    assert.include(String(exported.events[0]?.attributes?.["exception.message"]), "/webhooks/1100000000000000001/[redacted]/")
    assert.strictEqual(exported.spanContext().spanId, span.spanContext().spanId)
    await provider.shutdown()
  })
})

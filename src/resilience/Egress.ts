/**
 * Fetching a URL a user or a source supplied (a track's artwork), with the address checked where
 * it matters: at the moment each connection is made. The URL guard checks a link before anything
 * is asked of it, but a name can resolve to a public address then and to a private one a moment
 * later (DNS rebinding), and a server can redirect anywhere. Here the HTTP agent's own `lookup`
 * refuses a private address as it connects, and every redirect is a new hop checked again, so
 * neither trick reaches the machine's own network.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Duration, Effect, Layer, Schema, Stream } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import {
  hasPrivateAddressCause,
  type HostLookup,
  isPrivateAddress,
  privateRefusal,
  publicOnlyLookup,
  Refused,
  systemLookup,
  TimedOut,
  Unreachable,
  UrlGuard,
  type UrlGuardError
} from "./UrlGuard.ts"

/** The answer was too large to take. */
export class TooLarge extends Schema.TaggedClass<TooLarge>()("TooLarge", {
  message: Schema.String,
  limitBytes: Schema.Number
}) {}

/** The server answered, but not with what was asked for (an error status, another type). */
export class BadAnswer extends Schema.TaggedClass<BadAnswer>()("BadAnswer", { message: Schema.String }) {}

export class EgressError extends Schema.TaggedError<EgressError>()("EgressError", {
  reason: Schema.Union([Refused, Unreachable, TimedOut, TooLarge, BadAnswer]),
  /** Host and port only: a signed link's path and query stay out of messages and logs. */
  host: Schema.String
}) {
  override get message(): string {
    return this.reason.message
  }
}

/** A body written to a sink as it came, every byte of it. */
export interface Downloaded {
  readonly url: URL
  readonly contentType: string | null
  readonly bytes: number
}

/** A fetched body, whole. */
export interface Fetched {
  readonly url: URL
  readonly contentType: string | null
  readonly body: Uint8Array
}

export interface FetchLimits {
  readonly maxBytes: number
  /** For the whole fetch, every redirect included. */
  readonly timeout: Duration.Input
  readonly maxHops?: number | undefined
  readonly accept?: string | undefined
  /** Sent with every hop (a stream URL's user agent or cookies). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Whether a `Content-Type` is worth downloading; checked before the body is read. */
  readonly acceptsType?: ((contentType: string | null) => boolean) | undefined
}

export interface EgressOptions {
  readonly allowPrivateNetwork: boolean
  readonly lookup?: HostLookup | undefined
  readonly isPrivate?: ((address: string) => boolean) | undefined
}

export class Egress extends Context.Service<Egress, {
  /**
   * GETs a URL: checked first, every redirect checked again (at most `maxHops`), each connection's
   * address checked as it is made; the body taken whole up to `maxBytes`.
   */
  readonly get: (url: string, limits: FetchLimits) => Effect.Effect<Fetched, EgressError>
  /**
   * The same checks, the body handed to `write` chunk by chunk instead of kept: for files too large
   * to hold. A body that ends before its `Content-Length` fails, so a dropped connection is never
   * taken for the whole file. `write`'s own failure ends the download with it.
   */
  readonly download: <E>(
    url: string,
    limits: FetchLimits,
    write: (chunk: Uint8Array) => Effect.Effect<void, E>
  ) => Effect.Effect<Downloaded, EgressError | E>
}>()("reprise/resilience/Egress") {
  static readonly layer = (options: EgressOptions) => {
    const isPrivate = options.isPrivate ?? isPrivateAddress
    return Layer.effect(
      Egress,
      Effect.gen(function*() {
        const guard = UrlGuard.make({ allowPrivateNetwork: options.allowPrivateNetwork, lookup: options.lookup, isPrivate })
        const client = yield* HttpClient.HttpClient

        /** One request; the caller's own headers (a stream's cookies, say) go only to the origin they were given for. */
        const hop = (url: URL, limits: FetchLimits, origin: string) =>
          client.execute(HttpClientRequest.get(url, {
            headers: {
              ...(url.origin === origin ? limits.headers : {}),
              ...(limits.accept === undefined ? {} : { accept: limits.accept })
            }
          }))
            .pipe(
              Effect.mapError((error) =>
                new EgressError({
                  reason: hasPrivateAddressCause(error)
                    ? privateRefusal(url.hostname)
                    : new Unreachable({ message: `Could not reach ${url.host}.`, host: url.host }),
                  host: url.host
                })
              )
            )

        /** Follows the redirects to the answer, then hands its body to `write`; the whole fetch within `limits.timeout`. */
        const fetchInto = <E>(
          input: string,
          limits: FetchLimits,
          write: (chunk: Uint8Array) => Effect.Effect<void, E>
        ): Effect.Effect<Downloaded, EgressError | E> =>
          Effect.gen(function*() {
            const checked = (href: string) =>
              Effect.mapError(guard.check(href), (e: UrlGuardError) => new EgressError({ reason: e.reason, host: URL.parse(href)?.host ?? "" }))
            let url = yield* checked(input)
            const origin = url.origin
            const failed = (reason: TooLarge | BadAnswer) => Effect.fail(new EgressError({ reason, host: url.host }))
            for (let hops = 0; hops <= (limits.maxHops ?? 3); hops++) {
              const response = yield* hop(url, limits, origin)
              const location = response.headers["location"]
              if (response.status >= 300 && response.status < 400 && location !== undefined) {
                url = yield* checked(new URL(location, url).href)
                continue
              }
              if (response.status !== 200) return yield* failed(new BadAnswer({ message: `${url.host} answered HTTP ${response.status}.` }))
              const contentType = response.headers["content-type"] ?? null
              if (limits.acceptsType !== undefined && !limits.acceptsType(contentType)) {
                return yield* failed(new BadAnswer({ message: `${url.host} answered with ${contentType ?? "no type"}.` }))
              }
              const tooLarge = new TooLarge({ message: `${url.host} answered with more than ${limits.maxBytes} bytes.`, limitBytes: limits.maxBytes })
              // A length that is no number is no length: the body is read to its end, bounded all the same.
              const length = Number(response.headers["content-length"] ?? NaN)
              const declared = Number.isFinite(length) ? length : null
              if (declared !== null && declared > limits.maxBytes) return yield* failed(tooLarge)
              const brokeOff = new BadAnswer({ message: `${url.host} broke off.` })
              let size = 0
              yield* response.stream.pipe(
                Stream.mapError(() => new EgressError({ reason: brokeOff, host: url.host })),
                Stream.runForEach((chunk): Effect.Effect<void, EgressError | E> => {
                  size += chunk.length
                  return size > limits.maxBytes ? failed(tooLarge) : write(chunk)
                })
              )
              if (declared !== null && size !== declared) return yield* failed(brokeOff)
              return { url, contentType, bytes: size } satisfies Downloaded
            }
            return yield* failed(new BadAnswer({ message: "Too many redirects." }))
          }).pipe(
            Effect.timeoutOrElse({
              duration: limits.timeout,
              orElse: () => {
                const host = URL.parse(input)?.host ?? ""
                const after = Duration.fromInputUnsafe(limits.timeout)
                return Effect.fail(
                  new EgressError({ reason: new TimedOut({ message: `${host} did not answer in time.`, after }), host })
                )
              }
            }),
            Effect.scoped
          )

        const get = Effect.fn("Egress.get")(function*(input: string, limits: FetchLimits) {
          const chunks: Array<Uint8Array> = []
          const answer = yield* fetchInto(input, limits, (chunk) => Effect.sync(() => void chunks.push(chunk)))
          return { url: answer.url, contentType: answer.contentType, body: Buffer.concat(chunks) } satisfies Fetched
        })

        const download = <E>(input: string, limits: FetchLimits, write: (chunk: Uint8Array) => Effect.Effect<void, E>) =>
          fetchInto(input, limits, write).pipe(Effect.withSpan("Egress.download"))

        return Egress.of({ get, download })
      })
    ).pipe(
      Layer.provide(NodeHttpClient.layerNodeHttpNoAgent),
      Layer.provide(
        NodeHttpClient.layerAgentOptions(
          options.allowPrivateNetwork
            ? { keepAlive: true }
            : { keepAlive: true, lookup: publicOnlyLookup(options.lookup ?? systemLookup, isPrivate) }
        )
      )
    )
  }
}


import { Context, Duration, Effect, Layer, Schema } from "effect"
import type { LookupAddress, LookupOptions } from "node:dns"
import { lookup as dnsLookup } from "node:dns/promises"
import { type IncomingHttpHeaders, request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import { BlockList, isIP } from "node:net"

/**
 * Server-side request forgery guard: a user-supplied URL may only be fetched when it is
 * http(s) and every address its host resolves to is public. Checked before anything (yt-dlp,
 * ffprobe, fetch) touches the URL, so a refusal says why at once.
 *
 * A check before the fetch cannot hold by itself: yt-dlp and FFmpeg follow redirects and resolve
 * the name again, so a server (or its DNS, rebinding) can send them elsewhere after it. They
 * fetch through the egress proxy (EgressProxy.ts), which checks every connection as it is made.
 */

/** The URL must not be fetched (scheme, credentials, a private address, no address); the text is shown to users. */
export class Refused extends Schema.TaggedClass<Refused>()("Refused", { message: Schema.String }) {}

/** The host could not be reached while following redirects. */
export class Unreachable extends Schema.TaggedClass<Unreachable>()("Unreachable", {
  message: Schema.String,
  /** Host and port only: the URL's path and query (a signed link's token) stay out of messages. */
  host: Schema.String
}) {}

/** The host did not answer within the time `followRedirects` was given. */
export class TimedOut extends Schema.TaggedClass<TimedOut>()("TimedOut", {
  message: Schema.String,
  after: Schema.DurationFromMillis
}) {}

export const UrlGuardErrorReason = Schema.Union([Refused, Unreachable, TimedOut])
export type UrlGuardErrorReason = typeof UrlGuardErrorReason.Type

/** The one error of the URL guard; `reason` says whether the URL was refused or its host failed to answer. */
export class UrlGuardError extends Schema.TaggedError<UrlGuardError>()("UrlGuardError", {
  reason: UrlGuardErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }
}

/** Resolves a host name to every address it has (A and AAAA). Injected so tests never reach DNS. */
export type HostLookup = (hostname: string) => Effect.Effect<ReadonlyArray<string>, Error>

export const systemLookup: HostLookup = (hostname) =>
  Effect.tryPromise({
    try: () => dnsLookup(hostname, { all: true, verbatim: true }),
    catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
  }).pipe(Effect.map((entries) => entries.map((e) => e.address)))

/** Subnets that are not public unicast, as [network, prefix length]. */
const notPublic = {
  // "This network", private, CGNAT (also Alibaba's metadata 100.100.100.200), loopback,
  // link-local (cloud metadata 169.254.169.254), IETF/TEST-NETs, benchmarking, multicast, reserved.
  ipv4: [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.0.2.0", 24],
    ["192.88.99.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["198.51.100.0", 24],
    ["203.0.113.0", 24],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4]
  ],
  // Unspecified and loopback, IPv4-compatible (::/96), discard, unique local (fc00::/7, incl.
  // AWS's fd00:ec2::254), link-local, old site-local, multicast, documentation, ORCHID.
  ipv6: [
    ["::", 128],
    ["::1", 128],
    ["::", 96],
    ["100::", 64],
    ["fc00::", 7],
    ["fe80::", 10],
    ["fec0::", 10],
    ["ff00::", 8],
    ["2001:db8::", 32],
    ["2001:10::", 28],
    ["2001:20::", 28]
  ]
} as const

const blocked = new BlockList()
for (const family of ["ipv4", "ipv6"] as const) {
  for (const [net, prefix] of notPublic[family]) blocked.addSubnet(net, prefix, family)
}

/** Expands an IPv6 address to its 8 16-bit groups (handles `::` and a trailing dotted IPv4). */
const ipv6Groups = (address: string): ReadonlyArray<number> | null => {
  let text = address.toLowerCase()
  const zone = text.indexOf("%")
  if (zone >= 0) text = text.slice(0, zone)
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted !== null) {
    const parts = dotted[1]!.split(".").map(Number)
    const hi = ((parts[0]! << 8) | parts[1]!).toString(16)
    const lo = ((parts[2]! << 8) | parts[3]!).toString(16)
    text = `${text.slice(0, dotted.index)}${hi}:${lo}`
  }
  const [head, tail] = text.split("::") as [string, string | undefined]
  const h = head === "" ? [] : head.split(":")
  const t = tail === undefined || tail === "" ? [] : tail.split(":")
  const fill = tail === undefined ? 0 : 8 - h.length - t.length
  const groups = [...h, ...Array.from({ length: fill }, () => "0"), ...t].map((g) => parseInt(g, 16))
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null
}

/**
 * The IPv4 address an IPv6 address carries, if any: IPv4-mapped (::ffff:a.b.c.d), NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16) all reach an IPv4 host, so that host is what is checked.
 */
const embeddedIpv4 = (address: string): string | null => {
  const g = ipv6Groups(address)
  if (g === null) return null
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6]!, g[7]!)
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!)
  return null
}

/** True when the address is not a public unicast address. */
export const isPrivateAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 4) return blocked.check(address, "ipv4")
  if (family === 6) {
    const v4 = embeddedIpv4(address)
    if (v4 !== null) return blocked.check(v4, "ipv4")
    return blocked.check(address.replace(/%.*$/, ""), "ipv6")
  }
  // Not an address at all: refuse rather than guess.
  return true
}

/** A host that resolves to an address of the machine's own networks (none named: a redirect or a page led there). */
export const privateRefusal = (host?: string | undefined) =>
  new Refused({
    message: `Links to private, loopback, link-local or metadata addresses are refused (${host ?? "this one led to one"}). ` +
      "A self-hoster can allow LAN media servers with SOURCES_ALLOW_PRIVATE_NETWORK=true."
  })

/** Raised inside the agent's lookup; found again in the cause of the failed request. */
class PrivateAddress extends Error {
  constructor(hostname: string) {
    super(`${hostname} resolves to an address that is not public`)
  }
}

export const hasPrivateAddressCause = (error: unknown): boolean => {
  for (let e = error; typeof e === "object" && e !== null; e = (e as { readonly cause?: unknown }).cause) {
    if (e instanceof PrivateAddress) return true
  }
  return false
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | Array<LookupAddress>, family?: number) => void

/** A `lookup` for node:net that answers only public addresses: a name with any private one fails to connect. */
export const publicOnlyLookup = (lookup: HostLookup, isPrivate: (address: string) => boolean) =>
(hostname: string, options: LookupOptions, callback: LookupCallback): void => {
  Effect.runPromise(lookup(hostname)).then(
    (addresses) => {
      if (addresses.length === 0 || addresses.some(isPrivate)) {
        callback(Object.assign(new PrivateAddress(hostname), { code: "EREFUSED" }), [])
      } else if (options.all === true) {
        callback(null, addresses.map((address) => ({ address, family: isIP(address) })))
      } else {
        callback(null, addresses[0]!, isIP(addresses[0]!))
      }
    },
    (error: unknown) => callback(Object.assign(new Error(String(error)), { code: "ENOTFOUND" }), [])
  )
}

const refuse = (message: string) => Effect.fail(new UrlGuardError({ reason: new Refused({ message }) }))

/**
 * One request of `followRedirects`, its answer's status and headers, the body left unread. Node's
 * own request with `lookup` (when given) choosing the address, so the check holds at the connection.
 */
const askHeaders = (url: URL, method: "HEAD" | "GET", signal: AbortSignal, lookup: ReturnType<typeof publicOnlyLookup> | undefined) =>
  new Promise<{ readonly status: number; readonly headers: IncomingHttpHeaders }>((resolve, reject) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
      method,
      signal,
      headers: method === "GET" ? { range: "bytes=0-0" } : {},
      ...(lookup === undefined ? {} : { lookup })
    })
    req.once("response", (answer) => {
      answer.destroy()
      resolve({ status: answer.statusCode ?? 0, headers: answer.headers })
    })
    req.once("error", reject)
    req.end()
  })

/** A header's one value (the first of several). */
const headerOf = (headers: IncomingHttpHeaders, name: string): string | null => {
  const value = headers[name]
  return value === undefined ? null : Array.isArray(value) ? value[0] ?? null : value
}

/** Where `followRedirects` ended: the last, checked URL and what its server said about it. */
export interface FollowedUrl {
  readonly url: URL
  readonly status: number
  readonly contentType: string | null
  readonly contentLength: number | null
}

export interface UrlGuardOptions {
  readonly allowPrivateNetwork: boolean
  readonly lookup?: HostLookup | undefined
  readonly lookupTimeout?: Duration.Input | undefined
  /** Which addresses are not to be reached; `isPrivateAddress` unless a test draws the line elsewhere. */
  readonly isPrivate?: ((address: string) => boolean) | undefined
}

/** The checks, as a service so the resolver and tests share one configuration. */
export class UrlGuard extends Context.Service<UrlGuard, {
  /** Parses and checks a URL; fails with a user-presentable reason. */
  readonly check: (input: string) => Effect.Effect<URL, UrlGuardError>
  /**
   * Checks the URL, then follows up to `maxHops` redirects itself (HEAD, falling back to a
   * ranged GET), checking every hop, and answers the final URL, its content type and length.
   */
  readonly followRedirects: (input: string, options?: {
    readonly maxHops?: number | undefined
    readonly timeout?: Duration.Input | undefined
  }) => Effect.Effect<FollowedUrl, UrlGuardError>
}>()("reprise/resilience/UrlGuard") {
  static readonly make = (options: UrlGuardOptions) => {
    const lookup = options.lookup ?? systemLookup
    const lookupTimeout = options.lookupTimeout ?? "5 seconds"
    const isPrivate = options.isPrivate ?? isPrivateAddress
    // A name checked public may answer private when it is connected to (DNS rebinding): checked again there.
    const connectLookup = options.allowPrivateNetwork ? undefined : publicOnlyLookup(lookup, isPrivate)

    const check = Effect.fn("UrlGuard.check")(function*(input: string) {
      const url = URL.parse(input)
      if (url === null) return yield* refuse("That is not a valid URL.")
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return yield* refuse(`Only http and https links can be played (not ${url.protocol.replace(/:$/, "")}://).`)
      }
      if (url.username !== "" || url.password !== "") return yield* refuse("Links with credentials in them are refused.")
      if (options.allowPrivateNetwork) return url
      // WHATWG parsing already normalised 0x7f.1, 2130706433 and friends to dotted IPv4.
      const host = url.hostname.replace(/^\[|\]$/g, "")
      const addresses = isIP(host) !== 0
        ? [host]
        : host === "localhost" || host.endsWith(".localhost")
        ? ["127.0.0.1"]
        : yield* lookup(host).pipe(
          Effect.timeout(lookupTimeout),
          Effect.catch(() => refuse(`Could not resolve the host ${host}.`))
        )
      if (addresses.length === 0) return yield* refuse(`Could not resolve the host ${host}.`)
      if (addresses.some(isPrivate)) return yield* Effect.fail(new UrlGuardError({ reason: privateRefusal(host) }))
      return url
    })

    const followRedirects = Effect.fn("UrlGuard.followRedirects")(
      function*(input: string, opts?: { readonly maxHops?: number | undefined; readonly timeout?: Duration.Input | undefined }) {
        const timeout = Duration.fromInputUnsafe(opts?.timeout ?? "10 seconds")
        let url = yield* check(input)
        for (let hop = 0; hop <= (opts?.maxHops ?? 5); hop++) {
          const target = url
          const request = (method: "HEAD" | "GET") =>
            Effect.tryPromise({
              try: (signal) => askHeaders(target, method, signal, connectLookup),
              catch: (cause) =>
                new UrlGuardError({
                  reason: hasPrivateAddressCause(cause)
                    ? privateRefusal(target.hostname)
                    : new Unreachable({ message: `Could not reach ${target.host}: ${String(cause)}`, host: target.host })
                })
            }).pipe(
              Effect.timeout(timeout),
              Effect.catchTag(
                "TimeoutError",
                () =>
                  Effect.fail(
                    new UrlGuardError({
                      reason: new TimedOut({ message: `${target.host} did not answer in time.`, after: timeout })
                    })
                  )
              )
            )
          const head = yield* request("HEAD")
          // Some servers refuse HEAD; a one-byte ranged GET tells the same.
          const response = head.status === 405 || head.status === 501 ? yield* request("GET") : head
          const location = headerOf(response.headers, "location")
          if (response.status >= 300 && response.status < 400 && location !== null) {
            url = yield* check(new URL(location, target).href)
            continue
          }
          const range = /\/(\d+)$/.exec(headerOf(response.headers, "content-range") ?? "")
          const length = Number(range?.[1] ?? headerOf(response.headers, "content-length"))
          return {
            url,
            status: response.status,
            contentType: headerOf(response.headers, "content-type"),
            contentLength: Number.isFinite(length) && length > 0 ? length : null
          } satisfies FollowedUrl
        }
        return yield* refuse("Too many redirects.")
      }
    )
    return UrlGuard.of({ check, followRedirects })
  }

  static readonly layer = (options: UrlGuardOptions) => Layer.succeed(UrlGuard, UrlGuard.make(options))
}

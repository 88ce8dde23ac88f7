/**
 * The one way out for the helpers that fetch a user's URL (FFmpeg, ffprobe, yt-dlp): a forward
 * proxy on loopback that the bot owns. Checking a URL before a helper is given it is not enough:
 * a helper follows redirects, reads an HLS playlist's segments and resolves names on its own, so
 * the server (or its DNS) can send it anywhere after the check. Here every request and every
 * `CONNECT` tunnel is checked as it is made: the proxy resolves the host itself, refuses it when
 * an address is private, and connects to exactly the address it checked, so a name that answers
 * differently a moment later (DNS rebinding) changes nothing. It follows no redirect: the helper
 * does, and each hop comes back here to be checked again.
 *
 * Written on node:http and node:net. The forward proxies on npm (proxy, proxy-chain, http-proxy)
 * resolve and connect by name, with no hook to connect to the address that was checked; a hook
 * and the code around it would be as large as this. Bodies and tunnels are piped, never held.
 */
import { Context, Duration, Effect, Layer } from "effect"
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http"
import { type AddressInfo, connect, isIP, type Socket } from "node:net"
import type { Duplex } from "node:stream"
import { type HostLookup, isPrivateAddress, systemLookup } from "./UrlGuard.ts"

export interface EgressProxyOptions {
  /** SOURCES_ALLOW_PRIVATE_NETWORK: every address may be reached (a LAN media server). */
  readonly allowPrivateNetwork: boolean
  readonly lookup?: HostLookup | undefined
  readonly lookupTimeout?: Duration.Input | undefined
  readonly isPrivate?: ((address: string) => boolean) | undefined
}

/**
 * What a helper process needs beside the proxy's address: FFmpeg and ffprobe skip a proxy for the
 * hosts `no_proxy` names (and for every host with `no_proxy=*`), so it is emptied for them.
 */
export const proxiedEnv = { env: { no_proxy: "", NO_PROXY: "" }, extendEnv: true } as const

/** Headers that belong to one connection, not to the request or answer passed on. */
const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade"
])

/** `rawHeaders` without the hop-by-hop ones (and those `Connection` names), as a flat list. */
const endToEnd = (raw: ReadonlyArray<string>): Array<string> => {
  const named = new Set(hopByHop)
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "connection") for (const n of raw[i + 1]!.split(",")) named.add(n.trim().toLowerCase())
  }
  const kept: Array<string> = []
  for (let i = 0; i < raw.length; i += 2) if (!named.has(raw[i]!.toLowerCase())) kept.push(raw[i]!, raw[i + 1]!)
  return kept
}

/**
 * The status text of a refusal for a private address. yt-dlp shows it ("HTTP Error 403: …"), so
 * its failure can say why; FFmpeg shows only "403 Forbidden".
 */
export const REFUSED_PRIVATE = "Refused: not a public address"

/** The status text of a 502 for a host that could not be resolved or connected to, shown by yt-dlp likewise. */
export const UNREACHABLE = "Unreachable: the host did not answer"

/** Why a connection is not made; `status` is what the helper is answered. */
interface Refusal {
  readonly status: 400 | 403 | 502
  readonly reason: string
}

const statusText = (status: Refusal["status"]) =>
  status === 403 ? REFUSED_PRIVATE : status === 400 ? "Bad Request" : UNREACHABLE

export class EgressProxy extends Context.Service<EgressProxy, {
  /** `http://127.0.0.1:PORT`: FFmpeg's and ffprobe's `-http_proxy`, yt-dlp's `--proxy`. */
  readonly url: string
}>()("reprise/resilience/EgressProxy") {
  static readonly make = Effect.fnUntraced(function*(options: EgressProxyOptions) {
    const lookup = options.lookup ?? systemLookup
    const lookupTimeout = options.lookupTimeout ?? "5 seconds"
    const isPrivate = options.allowPrivateNetwork ? () => false : options.isPrivate ?? isPrivateAddress
    const runFork = Effect.runForkWith(yield* Effect.context<never>())

    const notPublic: Refusal = { status: 403, reason: "the host resolves to an address that is not public" }

    /** The one address to connect to for a name: its first, when none of them is private. */
    const addressOf = (hostname: string): Effect.Effect<string, Refusal> =>
      Effect.gen(function*() {
        const addresses = yield* lookup(hostname).pipe(
          Effect.timeout(lookupTimeout),
          Effect.catch(() => Effect.fail<Refusal>({ status: 502, reason: "could not resolve the host" }))
        )
        if (addresses.length === 0) return yield* Effect.fail<Refusal>({ status: 502, reason: "the host has no address" })
        if (addresses.some(isPrivate)) return yield* Effect.fail(notPublic)
        return addresses[0]!
      })

    /** Checks `hostname`, then `go`es to its address; a refusal is logged (the host only, never a path) and answered. */
    const checked = (hostname: string, port: number, go: (address: string) => void, refuse: (r: Refusal) => void) => {
      const refused = (r: Refusal) =>
        Effect.logWarning("the egress proxy refused a connection", { host: `${hostname}:${port}`, reason: r.reason }).pipe(
          Effect.andThen(Effect.sync(() => refuse(r)))
        )
      // An address is decided at once: a seek in a file is a new request, and an Ogg seek takes a dozen.
      if (isIP(hostname) !== 0) return isPrivate(hostname) ? runFork(refused(notPublic)) : go(hostname)
      runFork(addressOf(hostname).pipe(Effect.matchEffect({ onSuccess: (address) => Effect.sync(() => go(address)), onFailure: refused })))
    }

    // Connections to the same checked address are reused: an HLS stream asks for a segment every few seconds.
    const agent = new Agent({ keepAlive: true })
    const tunnels = new Set<Duplex>()

    const answerRefusal = (res: ServerResponse) => (r: Refusal) => {
      if (!res.headersSent) res.writeHead(r.status, statusText(r.status), { "content-type": "text/plain", connection: "close" })
      res.end(`Refused by the bot's egress proxy: ${r.reason}.\n`)
    }

    /** An absolute-form request (`GET http://host/path`), sent on to the checked address. */
    const forward = (req: IncomingMessage, res: ServerResponse) => {
      const target = URL.parse(req.url ?? "")
      if (target === null || target.protocol !== "http:") {
        return answerRefusal(res)({ status: 400, reason: "only absolute http:// requests and CONNECT are proxied" })
      }
      const hostname = target.hostname.replace(/^\[|\]$/g, "")
      const port = target.port === "" ? 80 : Number(target.port)
      checked(hostname, port, (address) => {
        const upstream = request({
          host: address,
          port,
          method: req.method,
          path: `${target.pathname}${target.search}`,
          headers: endToEnd(req.rawHeaders),
          setHost: false,
          agent
        })
        upstream.on("response", (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders))
          answer.pipe(res)
        })
        upstream.on("error", () => {
          if (res.headersSent) res.destroy()
          else answerRefusal(res)({ status: 502, reason: "the host could not be reached" })
        })
        // A helper that stops reading (a skipped track) ends the upstream request with it.
        res.on("close", () => {
          if (!res.writableFinished) upstream.destroy()
        })
        req.pipe(upstream)
      }, answerRefusal(res))
    }

    /** `CONNECT host:port`: a byte tunnel to the checked address (TLS runs inside it, end to end). */
    const tunnel = (req: IncomingMessage, client: Duplex, head: Buffer) => {
      client.on("error", () => client.destroy())
      const target = URL.parse(`http://${req.url ?? ""}`)
      const refuse = (r: Refusal) =>
        client.end(`HTTP/1.1 ${r.status} ${statusText(r.status)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
      if (target === null || target.port === "" || target.pathname !== "/") {
        return refuse({ status: 400, reason: "CONNECT needs host:port" })
      }
      const hostname = target.hostname.replace(/^\[|\]$/g, "")
      const port = Number(target.port)
      checked(hostname, port, (address) => {
        if (client.destroyed) return
        const upstream: Socket = connect({ host: address, port })
        tunnels.add(client)
        upstream.once("connect", () => {
          client.write("HTTP/1.1 200 Connection Established\r\n\r\n")
          if (head.length > 0) upstream.write(head)
          upstream.pipe(client)
          client.pipe(upstream)
        })
        upstream.on("error", () => {
          if (upstream.connecting) refuse({ status: 502, reason: "the host could not be reached" })
          else client.destroy()
        })
        upstream.on("close", () => client.destroy())
        client.on("close", () => {
          tunnels.delete(client)
          upstream.destroy()
        })
      }, refuse)
    }

    const server = createServer(forward)
    server.on("connect", tunnel)
    server.on("clientError", (_, socket) => socket.destroy())
    const port = yield* Effect.acquireRelease(
      Effect.callback<number>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as AddressInfo).port)))
      }),
      () =>
        Effect.sync(() => {
          server.close()
          server.closeAllConnections()
          for (const t of tunnels) t.destroy()
          agent.destroy()
        })
    )
    return EgressProxy.of({ url: `http://127.0.0.1:${port}` })
  })

  /**
   * The proxy on a port of its own, closed with the layer. With `allowPrivateNetwork` it still
   * runs, allowing every address: the helpers are started the same way in every deployment, and
   * the tests that opt in (to serve from loopback) exercise the path production takes.
   */
  static readonly layer = (options: EgressProxyOptions) => Layer.effect(EgressProxy, EgressProxy.make(options))
}

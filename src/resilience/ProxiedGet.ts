import { type IncomingMessage, request as httpRequest } from "node:http"
import { request as httpsRequest } from "node:https"
import { isIP, Socket } from "node:net"
import { connect as tlsConnect } from "node:tls"

/**
 * A GET the bot makes itself from a user's URL (an Opus file it passes through without FFmpeg,
 * whether a server honours byte ranges), through the egress proxy (EgressProxy.ts): every hop
 * goes through a `CONNECT` tunnel of its own, so the proxy checks the address of each, and TLS
 * runs end to end inside it, the certificate checked against the URL's host. Redirects are
 * followed here, at most `maxHops`; the caller's headers go to the origin they were given for only.
 */
export interface ProxiedAnswer {
  readonly status: number
  /** The body, unread: the caller reads it or destroys it. */
  readonly body: IncomingMessage
}

const defaultPort = (url: URL) => (url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80")

/** A tunnel to `target`'s host and port, or the proxy's refusal as an error. */
const tunnel = (proxy: URL, target: URL, signal: AbortSignal) =>
  new Promise<Socket>((resolve, reject) => {
    const req = httpRequest({
      host: proxy.hostname,
      port: proxy.port,
      method: "CONNECT",
      path: `${target.hostname}:${defaultPort(target)}`,
      signal,
      agent: false
    })
    req.once("connect", (answer, socket) => {
      if (answer.statusCode === 200 && socket instanceof Socket) return resolve(socket)
      socket.destroy()
      reject(new Error(`the egress proxy answered ${answer.statusCode} ${answer.statusMessage} for ${target.host}`))
    })
    req.once("error", reject)
    req.end()
  })

const hop = (url: URL, socket: Socket, headers: Readonly<Record<string, string>>, signal: AbortSignal) =>
  new Promise<IncomingMessage>((resolve, reject) => {
    const secure = url.protocol === "https:"
    // No agent: with one, Node would connect by itself instead of through the tunnel.
    const req = (secure ? httpsRequest : httpRequest)(url, {
      headers,
      signal,
      createConnection: () =>
        secure ? tlsConnect({ socket, ...(isIP(url.hostname) === 0 ? { servername: url.hostname } : {}) }) : socket
    })
    req.once("response", resolve)
    req.once("error", (error) => {
      socket.destroy()
      reject(error)
    })
    req.end()
  })

export const proxiedGet = async (
  proxy: string,
  input: string,
  options: {
    readonly headers: Readonly<Record<string, string>>
    /** A `Range`, asked of every hop (it is about the file, not the origin). */
    readonly range?: string | undefined
    readonly signal: AbortSignal
    readonly maxHops?: number | undefined
  }
): Promise<ProxiedAnswer> => {
  const via = new URL(proxy)
  let url = new URL(input)
  const origin = url.origin
  for (let hops = 0; hops <= (options.maxHops ?? 5); hops++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`a redirect to ${url.protocol} is not followed`)
    const socket = await tunnel(via, url, options.signal)
    const headers = {
      ...(url.origin === origin ? options.headers : {}),
      ...(options.range === undefined ? {} : { range: options.range })
    }
    const answer = await hop(url, socket, headers, options.signal)
    const status = answer.statusCode ?? 0
    const location = answer.headers.location
    if (status >= 300 && status < 400 && location !== undefined) {
      answer.destroy()
      url = new URL(location, url)
      continue
    }
    return { status, body: answer }
  }
  throw new Error("too many redirects")
}

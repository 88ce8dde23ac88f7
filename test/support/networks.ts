/**
 * Two networks on one machine, for tests of the egress guards: 127.0.0.1 stands for "the
 * internet" and 127.0.0.2 for "the machine's own network", which the guard is told is private
 * (`private2`). A server on each records every request and every connection that reached it.
 */
import { Effect } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { HostLookup } from "../../src/resilience/UrlGuard.ts"

export interface Served {
  readonly base: string
  readonly port: number
  /** The path of every request, in order. */
  readonly paths: Array<string>
  /** How many connections were made to it (a request, or a tunnel that never sent one). */
  readonly connections: () => number
}

/** An HTTP server on `host` (on `port`, or one of its own), closed with the scope. */
export const serve = (host: string, handler: (req: IncomingMessage, res: ServerResponse) => void, port = 0) =>
  Effect.acquireRelease(
    Effect.callback<Served & { readonly close: () => void }>((resume) => {
      const paths: Array<string> = []
      let connections = 0
      const server = createServer((req, res) => {
        paths.push(req.url ?? "")
        handler(req, res)
      })
      server.on("connection", () => void connections++)
      server.listen(port, host, () => {
        const bound = (server.address() as AddressInfo).port
        resume(Effect.succeed({
          base: `http://${host}:${bound}`,
          port: bound,
          paths,
          connections: () => connections,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        }))
      })
    }),
    (s) => Effect.sync(s.close)
  )

/** A server that answers HEAD as `mp3` would, but redirects every GET to `location`. */
export const headOnlyHonest = (mp3: Uint8Array, location: string) => (req: IncomingMessage, res: ServerResponse) =>
  req.method === "HEAD"
    ? res.writeHead(200, { "content-type": "audio/mpeg", "content-length": mp3.length }).end()
    : res.writeHead(302, { location }).end()

export const private2 = (address: string) => address === "127.0.0.2"

/** Answers `answers` in turn for every name, the last one from then on. */
export const answering = (...answers: ReadonlyArray<ReadonlyArray<string>>) => {
  let calls = 0
  const lookup: HostLookup = () => Effect.succeed(answers[Math.min(calls++, answers.length - 1)]!)
  return { lookup, calls: () => calls }
}

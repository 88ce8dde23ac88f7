import { connect, createServer, type Socket } from "node:net"

/**
 * A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL, a pglite-socket), which can be told
 * to black-hole: from then on nothing is forwarded either way and no connection is answered, yet
 * every socket stays open, as when a network drops packets without a reset. Nothing is lost: what
 * was held back is delivered once `restore` is called, as TCP retransmits once a path heals.
 */
export interface TcpProxy {
  readonly port: number
  /** `url` (of the server behind the proxy) with the proxy's host and port instead. */
  readonly through: (url: string) => string
  readonly blackHole: () => void
  readonly restore: () => void
  /** Connections accepted so far. */
  readonly connections: () => number
  readonly close: () => Promise<void>
}

interface Link {
  readonly client: Socket
  upstream: Socket | undefined
  readonly toUpstream: Array<Buffer>
  readonly toClient: Array<Buffer>
}

/** Starts a proxy to `target` on `port` (any free one when left out). */
export const startTcpProxy = async (
  target: { readonly host: string; readonly port: number },
  options: { readonly port?: number | undefined } = {}
): Promise<TcpProxy> => {
  const links = new Set<Link>()
  let holes = false
  let accepted = 0

  const flush = (link: Link) => {
    const upstream = link.upstream
    if (holes || upstream === undefined) return
    for (const chunk of link.toUpstream.splice(0)) upstream.write(chunk)
    for (const chunk of link.toClient.splice(0)) link.client.write(chunk)
  }
  const open = (link: Link) => {
    const upstream = connect({ host: target.host, port: target.port })
    link.upstream = upstream
    upstream.on("data", (chunk: Buffer) => {
      link.toClient.push(chunk)
      flush(link)
    })
    const end = () => {
      link.client.destroy()
      links.delete(link)
    }
    upstream.on("error", end)
    upstream.on("close", end)
    flush(link)
  }

  const server = createServer((client) => {
    accepted++
    const link: Link = { client, upstream: undefined, toUpstream: [], toClient: [] }
    links.add(link)
    client.on("data", (chunk: Buffer) => {
      link.toUpstream.push(chunk)
      flush(link)
    })
    const end = () => {
      link.upstream?.destroy()
      links.delete(link)
    }
    client.on("error", end)
    client.on("close", end)
    if (!holes) open(link)
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
  })
  const address = server.address()
  if (typeof address !== "object" || address === null) throw new Error("the proxy has no address")

  return {
    port: address.port,
    through: (url) => {
      const parsed = new URL(url)
      parsed.hostname = "127.0.0.1"
      parsed.port = String(address.port)
      return parsed.toString()
    },
    blackHole: () => {
      holes = true
    },
    restore: () => {
      holes = false
      for (const link of links) {
        if (link.upstream === undefined) open(link)
        else flush(link)
      }
    },
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) {
          link.client.destroy()
          link.upstream?.destroy()
        }
        links.clear()
        server.close(() => resolve())
      })
  }
}

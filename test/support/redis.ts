import { createConnection, createServer, type Server, type Socket } from "node:net"
import { describeWith } from "./services.ts"

/**
 * The Redis service for the tests that count in Redis: TEST_REDIS_URL, or, under CI, the one CI
 * runs on this machine. Elsewhere, without TEST_REDIS_URL, the Redis half of those tests cannot run.
 */
export const testRedisUrl = process.env.TEST_REDIS_URL ??
  (process.env.CI === "true" ? "redis://127.0.0.1:6379" : undefined)

/**
 * A describe block of tests on the Redis service at `testRedisUrl`. Without one, one test says so
 * in every run's output; under CI there always is one, so a Redis that is not there fails them.
 */
export const describeRedis = describeWith({
  variable: "TEST_REDIS_URL",
  name: "Redis",
  example: "redis://127.0.0.1:6379",
  url: testRedisUrl
})

export interface TcpProxy {
  /** `redis://127.0.0.1:<port>` of the proxy. */
  readonly url: string
  /** Holds back every answer from upstream until `resume`: a Redis that has become slow. */
  readonly stall: () => void
  readonly resume: () => void
  /** Cuts every connection and refuses new ones until `listen`: a Redis that went away. */
  readonly cut: () => Promise<void>
  readonly listen: () => Promise<void>
  readonly close: () => Promise<void>
}

/** A TCP proxy in front of `target` (host:port) that a test can slow down or cut. */
export const tcpProxy = async (target: URL): Promise<TcpProxy> => {
  const sockets = new Set<Socket>()
  let stalled = false
  const held: Array<() => void> = []
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) })
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => socket.destroy())
    }
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
    client.on("data", (chunk) => upstream.write(chunk))
    upstream.on("data", (chunk) => {
      if (stalled) held.push(() => client.write(chunk))
      else client.write(chunk)
    })
  })
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(port, "127.0.0.1", () => {
        const address = server.address()
        if (typeof address === "object" && address !== null) port = address.port
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  await listen()
  return {
    url: `redis://127.0.0.1:${port}`,
    stall: () => {
      stalled = true
    },
    resume: () => {
      stalled = false
      for (const write of held.splice(0)) write()
    },
    cut: stop,
    listen,
    close: stop
  }
}

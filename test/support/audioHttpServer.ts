/**
 * A tiny HTTP file server on 127.0.0.1 (ephemeral port) for pipeline tests and the benchmark.
 *
 * Serves the files it is given under chosen paths, with byte ranges (FFmpeg seeks over HTTP with
 * `Range`), answers 404 for anything else and records every request it sees:
 *
 * ```ts
 * const server = await startFileServer({ "/tone.mp3": mp3Path })
 * server.url("/tone.mp3")     // http://127.0.0.1:PORT/tone.mp3
 * server.url("/missing.mp3")  // 404
 * server.requests             // [{ path: "/tone.mp3", range: "bytes=0-", headers }]
 * await server.close()
 * ```
 *
 * `fileServerScoped` is the same as an Effect resource (closed with its Scope). With `ignoreRange`
 * it behaves like a plain server without byte ranges: every answer is 200 with the whole file.
 */
import { Effect } from "effect"
import { createReadStream } from "node:fs"
import { stat } from "node:fs/promises"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export interface ServedRequest {
  readonly path: string
  readonly range: string | undefined
  readonly headers: IncomingHttpHeaders
}

export interface FileServer {
  readonly baseUrl: string
  readonly url: (path: string) => string
  readonly requests: ReadonlyArray<ServedRequest>
  /** Answers 404 for `path` from now on (a file gone after it was queued). */
  readonly withdraw: (path: string) => void
  readonly close: () => Promise<void>
}

const contentType = (path: string): string =>
  /\.webm$/.test(path)
    ? "audio/webm"
    : /\.ogg$/.test(path)
    ? "audio/ogg"
    : /\.mp3$/.test(path)
    ? "audio/mpeg"
    : /\.m4a$/.test(path)
    ? "audio/mp4"
    : /\.html$/.test(path)
    ? "text/html; charset=utf-8"
    : /\.png$/.test(path)
    ? "image/png"
    : "application/octet-stream"

export interface FileServerOptions {
  /** Answer every request 200 with the whole file and no `Accept-Ranges`, whatever `Range` asks. */
  readonly ignoreRange?: boolean | undefined
  /** The first answer of a path to reach this many bytes breaks off there (a network blip). */
  readonly dropFirstAfter?: number | undefined
}

/** Starts a server for `files` (URL path → file path). */
export const startFileServer = async (
  served: Readonly<Record<string, string>>,
  options: FileServerOptions = {}
): Promise<FileServer> => {
  const dropped = new Set<string>()
  const requests: Array<ServedRequest> = []
  const files = new Map(Object.entries(served))
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!
    requests.push({ path, range: req.headers.range, headers: req.headers })
    const file = files.get(path)
    if (file === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found")
      return
    }
    stat(file).then(
      (info) => {
        const size = info.size
        const match = options.ignoreRange === true ? null : /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "")
        if (match === null) {
          res.writeHead(200, {
            "content-type": contentType(path),
            "content-length": size,
            ...(options.ignoreRange === true ? {} : { "accept-ranges": "bytes" })
          })
          if (req.method === "HEAD") {
            res.end()
            return
          }
          if (options.dropFirstAfter === undefined || dropped.has(path)) {
            createReadStream(file).pipe(res)
            return
          }
          const part = createReadStream(file, { end: options.dropFirstAfter - 1 })
          part.on("end", () => {
            dropped.add(path)
            res.destroy()
          })
          part.pipe(res, { end: false })
          return
        }
        const start = match[1] === "" ? Math.max(0, size - Number(match[2])) : Number(match[1])
        const end = match[1] !== "" && match[2] !== "" ? Math.min(size - 1, Number(match[2])) : size - 1
        if (start >= size || start > end) {
          res.writeHead(416, { "content-range": `bytes */${size}` }).end()
          return
        }
        res.writeHead(206, {
          "content-type": contentType(path),
          "content-length": end - start + 1,
          "content-range": `bytes ${start}-${end}/${size}`,
          "accept-ranges": "bytes"
        })
        createReadStream(file, { start, end }).pipe(res)
      },
      () => res.writeHead(404).end()
    )
  })
  // Many concurrent streams in the benchmark: no per-socket idle timeouts getting in the way.
  server.keepAliveTimeout = 60_000
  server.maxConnections = 100_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const baseUrl = `http://127.0.0.1:${port}`
  return {
    baseUrl,
    url: (path) => `${baseUrl}${path}`,
    requests,
    withdraw: (path) => files.delete(path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** `startFileServer` as a scoped Effect resource. */
export const fileServerScoped = (files: Readonly<Record<string, string>>, options: FileServerOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startFileServer(files, options)),
    (server) => Effect.promise(() => server.close())
  )

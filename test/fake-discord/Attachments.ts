import type { IncomingMessage, ServerResponse } from "node:http"
import { snowflake } from "./Snowflake.ts"
import type { JsonObject } from "./State.ts"

/** A file as the fake keeps it: what a user uploaded with a command, or what the bot sent with a message. */
export interface StoredFile {
  readonly bytes: Buffer
  readonly contentType: string
}

/** One day, as Discord's signed CDN links last. */
const linkLifetimeSeconds = 24 * 60 * 60

/**
 * The fake's CDN: files stored here are served on the fake's own HTTP server where Discord's CDN
 * keeps them — `/attachments/<channel>/<id>/<filename>` for a message's files,
 * `/ephemeral-attachments/<application>/<id>/<filename>` for a command's uploads — with `ex`/`is`/`hm`
 * query parameters shaped like Discord's signed links.
 */
export class Attachments {
  readonly #files = new Map<string, StoredFile>()
  readonly #base: () => string

  /** `base`: the fake's origin, e.g. `http://127.0.0.1:P`, known once it listens. */
  constructor(base: () => string) {
    this.#base = base
  }

  /** Keeps `bytes` under `folder` (e.g. `attachments/<channel>`) and answers the attachment object Discord would send. */
  store(folder: string, filename: string, bytes: Buffer, contentType: string): JsonObject {
    const id = snowflake()
    const path = `/${folder}/${id}/${encodeURIComponent(filename)}`
    this.#files.set(path, { bytes, contentType })
    const now = Math.floor(Date.now() / 1000)
    const signed = `?ex=${(now + linkLifetimeSeconds).toString(16)}&is=${now.toString(16)}&hm=${"0".repeat(64)}&`
    const url = `${this.#base()}${path}${signed}`
    return { id, filename, size: bytes.length, url, proxy_url: url, content_type: contentType }
  }

  /** What is stored at an attachment URL. */
  content(url: string): StoredFile | undefined {
    return this.#files.get(new URL(url).pathname)
  }

  /** Serves a stored file; false when the request is not for one. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname
    if (!/^\/(ephemeral-)?attachments\//.test(path)) return false
    const file = req.method === "GET" ? this.#files.get(path) : undefined
    if (file === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found")
    } else {
      res.writeHead(200, { "content-type": file.contentType, "content-length": String(file.bytes.length) }).end(file.bytes)
    }
    return true
  }
}

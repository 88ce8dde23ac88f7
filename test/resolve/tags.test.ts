import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UserId } from "../../schema/Ids.ts"
import { Resolver } from "../../src/resolve/Resolver.ts"
import { type Handler, httpServer, resolverWith } from "./helpers.ts"

/**
 * Title and artist tags, read by ffprobe from files made by real FFmpeg. Ogg keeps its comments
 * on the stream, so `-metadata:s:a:0` and plain `-metadata` both end up there; MP3 keeps them on
 * the format, which is where ffprobe reports them.
 */

const dir = mkdtempSync(join(tmpdir(), "reprise-tags-"))
const user = UserId.make("123456789012345678")

const variants = {
  "opus-stream": { ext: "ogg", codec: ["-c:a", "libopus"], metadata: "-metadata:s:a:0" },
  "opus-format": { ext: "ogg", codec: ["-c:a", "libopus"], metadata: "-metadata" },
  "mp3-format": { ext: "mp3", codec: ["-c:a", "libmp3lame", "-b:a", "32k"], metadata: "-metadata" }
} as const
type Variant = keyof typeof variants

const fileName = (name: Variant) => `${name}.${variants[name].ext}`

for (const [name, v] of Object.entries(variants)) {
  execFileSync("ffmpeg", [
    "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", ...v.codec,
    v.metadata, `title=Title of ${name}`, v.metadata, `artist=Artist of ${name}`, join(dir, `${name}.${v.ext}`)
  ])
}

const serveFiles: Handler = (req, res) => {
  const name = (req.url ?? "/").slice(1)
  const variant = Object.keys(variants).find((n) => fileName(n as Variant) === name) as Variant | undefined
  if (variant === undefined) return res.writeHead(404).end()
  const body = readFileSync(join(dir, name))
  res.writeHead(200, {
    "content-type": variants[variant].ext === "ogg" ? "audio/ogg" : "audio/mpeg",
    "content-length": body.length
  })
  res.end(req.method === "HEAD" ? undefined : body)
}

describe("title and artist tags", () => {
  for (const name of Object.keys(variants) as ReadonlyArray<Variant>) {
    it.live(`${name}: read from a file over HTTP and from the music library`, () => {
      const { layer } = resolverWith({ musicDir: dir })
      return Effect.gen(function*() {
        const server = yield* httpServer(serveFiles)
        const resolver = yield* Resolver
        const viaHttp = yield* resolver.resolve(`${server.base}/${fileName(name)}`, user)
        const viaLibrary = yield* resolver.resolve(`local:${fileName(name)}`, user)
        for (const [where, found] of [["http", viaHttp], ["library", viaLibrary]] as const) {
          assert.strictEqual(found.tracks[0]?.title, `Title of ${name}`, where)
          assert.strictEqual(found.tracks[0]?.author, `Artist of ${name}`, where)
        }
        assert.strictEqual(viaHttp.tracks[0]?.kind, "http")
        assert.strictEqual(viaLibrary.tracks[0]?.kind, "local")
      }).pipe(Effect.scoped, Effect.provide(layer))
    })
  }
})

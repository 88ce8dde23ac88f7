import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ChildProcessSpawner } from "effect/process"
import { readFile } from "node:fs/promises"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { measureDuration, probe } from "../../src/resolve/Probe.ts"
import { ffmpeg, generateTone } from "../support/audioFixtures.ts"
import { type FileServer, startFileServer } from "../support/audioHttpServer.ts"
import { fixturesForFile } from "../support/fixturesForFile.ts"

const { files, dir } = fixturesForFile("duration", {
  ogg: (d) => generateTone(d, { frequency: 440, seconds: 6, format: "ogg", name: "six" }),
  mp3: (d) => generateTone(d, { frequency: 440, seconds: 1, format: "mp3", name: "second" }),
  // As a live muxer (or a pipe) writes WebM: no duration, no cues.
  untagged: async (d) => {
    const ogg = await generateTone(d, { frequency: 440, seconds: 6, format: "ogg", name: "for-webm" })
    const path = join(d, "untagged.webm")
    await ffmpeg(["-i", ogg, "-c", "copy", "-live", "1", "-f", "webm", path])
    return path
  }
})

let plain: FileServer
let radio: { readonly url: string; readonly close: () => void }
beforeAll(async () => {
  plain = await startFileServer({ "/six.ogg": files.ogg }, { ignoreRange: true })
  // An endless stream: no length, a second of MP3 after another.
  const second = await readFile(files.mp3)
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "audio/mpeg" })
    res.write(second)
    const timer = setInterval(() => res.write(second), 500)
    res.on("close", () => clearInterval(timer))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  radio = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/radio.mp3`,
    close: () => {
      server.closeAllConnections()
      server.close()
    }
  }
})
afterAll(async () => {
  await plain?.close()
  radio?.close()
})

const options = (network: boolean) =>
  ({ source: "test", timeout: "10 seconds", network, readThroughTimeout: "20 seconds" }) as const

describe("a track's duration, learnt when it starts", () => {
  it.live("a file whose container says nothing is read through on disk", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      assert.isNull((yield* Effect.orDie(probe(spawner, files.untagged, options(false)))).durationMs, "the container says nothing")
      assert.approximately((yield* measureDuration(spawner, files.untagged, options(false)))!, 6_000, 100)
      assert.approximately((yield* measureDuration(spawner, files.ogg, options(false)))!, 6_000, 100)
    }).pipe(Effect.provide(NodeServices.layer)))

  it.live("an Ogg file from a server without byte ranges, whose size is known, is read through once", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const url = plain.url("/six.ogg")
      const info = yield* Effect.orDie(probe(spawner, url, options(true)))
      assert.isNull(info.durationMs, "its last page cannot be reached")
      assert.isNotNull(info.sizeBytes)
      assert.approximately((yield* measureDuration(spawner, url, options(true)))!, 6_000, 100)
    }).pipe(Effect.provide(NodeServices.layer)))

  it.live("an endless stream has none, and is not read for ever", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      assert.isNull(yield* measureDuration(spawner, radio.url, options(true)))
    }).pipe(Effect.provide(NodeServices.layer)), 20_000)

  it.live("a file that cannot be read has none, and the measuring does not fail", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      assert.isNull(yield* measureDuration(spawner, join(dir(), "missing.ogg"), options(false)))
    }).pipe(Effect.provide(NodeServices.layer)))
})

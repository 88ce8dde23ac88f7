/**
 * Files uploaded to the API to be played (`POST …/queue/upload`, the dashboard's upload button), as
 * /playfile plays a file uploaded to Discord. The request's own copy is gone once it is answered,
 * so the bot keeps one under `DATA_DIR/uploads`, named at random: a queued track plays it later,
 * and a restart still finds it. Like Discord's links to an upload, a copy lasts a day; older ones
 * are removed at start and every hour.
 */
import { Context, Duration, Effect, Layer, Schedule, Schema } from "effect"
import { copyFile, mkdir, readdir, rm, stat } from "node:fs/promises"
import { randomBytes } from "node:crypto"
import * as NodePath from "node:path"
import * as Section from "../config/Section.ts"
import { section as databaseSection } from "../persistence/Database.ts"
import { type StoredUpload, uploadRefusal } from "../resolve/sources/AttachmentSource.ts"
import { section as resolveSection } from "../resolve/ResolveSettings.ts"

/** Why an upload was not kept; the message is for the person who sent it. */
export class UploadRefused extends Schema.TaggedError<UploadRefused>()("UploadRefused", { message: Schema.String }) {}

export interface IncomingFile {
  /** The request's copy. */
  readonly path: string
  readonly name: string
  readonly contentType: string
}

export const uploadLifetime = Duration.days(1)

export class Uploads extends Context.Service<Uploads, {
  /** Checks an uploaded file (size, type, extension) and keeps a copy of it to play. */
  readonly keep: (file: IncomingFile) => Effect.Effect<StoredUpload, UploadRefused>
  /** Removes a kept copy that will not be played after all. */
  readonly discard: (upload: StoredUpload) => Effect.Effect<void>
}>()("reprise/http/Uploads") {
  static readonly layer = (options: { readonly dir: string; readonly maxBytes: number }) =>
    Layer.effect(
      Uploads,
      Effect.gen(function*() {
        const dir = NodePath.resolve(options.dir)
        yield* Effect.promise(() => mkdir(dir, { recursive: true }))

        const prune = Effect.promise(async () => {
          const cutoff = Date.now() - Duration.toMillis(uploadLifetime)
          for (const name of await readdir(dir)) {
            const path = NodePath.join(dir, name)
            const info = await stat(path).catch(() => null)
            if (info !== null && info.mtimeMs < cutoff) await rm(path, { force: true })
          }
        }).pipe(Effect.catchCause((cause) => Effect.logWarning("could not prune old uploads", cause)))
        yield* prune.pipe(Effect.repeat(Schedule.spaced("1 hour")), Effect.forkScoped)

        const keep = Effect.fn("Uploads.keep")(function*(file: IncomingFile) {
          const unreadable = () => new UploadRefused({ message: "I couldn't store that file just now; try again in a moment." })
          const size = (yield* Effect.tryPromise({ try: () => stat(file.path), catch: unreadable })).size
          const refused = uploadRefusal({ filename: file.name, contentType: file.contentType, size }, options.maxBytes)
          if (refused !== null) return yield* new UploadRefused({ message: refused })
          const ext = NodePath.extname(file.name).toLowerCase()
          const path = NodePath.join(dir, `${randomBytes(12).toString("base64url")}${ext}`)
          yield* Effect.tryPromise({ try: () => copyFile(file.path, path), catch: unreadable })
          return { path, filename: file.name, contentType: file.contentType, size } satisfies StoredUpload
        })

        return Uploads.of({
          keep,
          discard: (upload) => Effect.promise(() => rm(upload.path, { force: true }))
        })
      })
    )

  /** Under DATA_DIR, up to ATTACHMENT_MAX_BYTES, as /playfile's files. */
  static readonly layerConfig = Layer.unwrap(
    Effect.gen(function*() {
      const { dataDir } = yield* Section.settingsOf(databaseSection)
      const { attachmentMaxBytes } = yield* Section.settingsOf(resolveSection)
      return Uploads.layer({ dir: NodePath.join(dataDir, "uploads"), maxBytes: attachmentMaxBytes })
    })
  )
}

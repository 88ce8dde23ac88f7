import { Effect } from "effect"
import { accessSync, constants } from "node:fs"
import { delimiter, isAbsolute, join } from "node:path"
import { AppConfig } from "../config/AppConfig.ts"
import { Readiness } from "../observability/Readiness.ts"

/** The executable that `command` names: itself when it is a path, else the first match on PATH. */
export const findExecutable = (command: string, path: string = process.env.PATH ?? ""): string | undefined => {
  const candidates = isAbsolute(command) || command.includes("/")
    ? [command]
    : path.split(delimiter).filter((dir) => dir !== "").map((dir) => join(dir, command))
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** Readiness fails while FFMPEG_PATH does not lead to an executable (checked on every probe: it is a stat). */
export const ffmpegReadiness = Readiness.probe(
  "ffmpeg",
  Effect.gen(function*() {
    const config = yield* AppConfig
    return Effect.suspend(() =>
      findExecutable(config.audio.ffmpegPath) === undefined
        ? Effect.fail(`${config.audio.ffmpegPath} was not found; install ffmpeg or set FFMPEG_PATH`)
        : Effect.void
    )
  })
)

import { Effect } from "effect"
import { accessSync, constants } from "node:fs"
import { delimiter, isAbsolute, join } from "node:path"
import type { Probe } from "../observability/Readiness.ts"

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

/** Fails while `ffmpegPath` does not lead to an executable (checked on every probe: it is a stat). */
export const ffmpegProbe = (ffmpegPath: string): Probe =>
  Effect.suspend(() =>
    findExecutable(ffmpegPath) === undefined
      ? Effect.fail(`${ffmpegPath} was not found; install ffmpeg or set FFMPEG_PATH`)
      : Effect.void
  )

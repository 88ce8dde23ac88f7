import { execFileSync } from "node:child_process"

/** Writes a stereo 48 kHz Ogg/Opus sine with ffmpeg, so the bot needs no transcoder at play time. */
export const writeTone = (path: string, frequency: number, seconds: number): string => {
  execFileSync("ffmpeg", [
    "-v", "error", "-y", "-f", "lavfi", "-i", `sine=frequency=${frequency}:duration=${seconds}:sample_rate=48000`,
    "-ac", "2", "-c:a", "libopus", "-b:a", "96k", path
  ])
  return path
}

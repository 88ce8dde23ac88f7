import { ChildProcess } from "effect/process"

/**
 * How Reprise starts its helper processes (FFmpeg, ffprobe, yt-dlp): at a lower CPU priority, in
 * the bot's own session, so that no amount of encoding or resolving can take the CPU from the
 * event loop that paces every guild's audio.
 *
 * `nice` execs the helper in place, so the pid is the helper's own. The session matters as much
 * as the level: Effect's spawner detaches children by default, and a detached child starts a new
 * session, which Linux (autogroup) schedules as a group of its own with an equal share of the CPU,
 * where a nice level counts for nothing against other sessions. Measured with 100 filtered streams
 * (one step of `npm run bench -- audio.streams`, 20 s windows): detached FFmpegs, 0.6–1.75 % of
 * frames late; FFmpegs in the bot's session, 0–0.5 %; with three yt-dlp runs back to back beside
 * them, detached yt-dlps at normal priority made it 72 %, niced ones in the session 2.5 %.
 *
 * Not detached means a helper's own children are not killed with it: FFmpeg and ffprobe have none;
 * yt-dlp's (a JavaScript runtime for YouTube's challenges) end when their pipes to it close.
 */

/** The nice level of every helper. 19 and SCHED_IDLE measured no better than 10 for the event loop. */
export const HELPER_NICE_LEVEL = 10

/** `command args` as a niced helper process in the bot's session. */
export const helperCommand = (
  command: string,
  args: ReadonlyArray<string>,
  options: Omit<ChildProcess.CommandOptions, "detached"> = {}
): ChildProcess.Command =>
  ChildProcess.make("nice", ["-n", String(HELPER_NICE_LEVEL), command, ...args], { ...options, detached: false })

/** `nice` exits 127 when the helper does not exist and 126 when it cannot be run. */
export const helperNotStarted = (exitCode: number | null): boolean => exitCode === 126 || exitCode === 127

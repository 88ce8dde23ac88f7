/**
 * Which child processes this process has, read from /proc (Linux): lets tests assert that a
 * pipeline spawned FFmpeg (or did not: passthrough) and that interrupting it left none behind,
 * and lets the benchmark read FFmpeg's memory (PSS from smaps_rollup).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

export interface ProcessInfo {
  readonly pid: number
  readonly ppid: number
  /** The executable name as the kernel keeps it (`ffmpeg`, `nice`, …), at most 15 characters. */
  readonly comm: string
  /** 'Z' for a zombie: exited, not yet reaped. */
  readonly state: string
  /** The process group: a terminal's Ctrl-C signals every member of its foreground group. */
  readonly pgrp: number
}

/** What /proc says of process `pid` (a zombie included), or undefined once it is gone. */
export const processInfo = (pid: number): ProcessInfo | undefined => {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8")
  } catch {
    return undefined // exited between readdir and read
  }
  // comm is in parentheses and may itself contain spaces or parentheses: split at the last ')'
  const open = text.indexOf("(")
  const close = text.lastIndexOf(")")
  const rest = text.slice(close + 2).split(" ")
  return { pid, comm: text.slice(open + 1, close), state: rest[0]!, ppid: Number(rest[1]), pgrp: Number(rest[2]) }
}

/** Live (non-zombie) processes that satisfy `keep`, optionally only those named `comm`. */
const liveProcesses = (keep: (info: ProcessInfo) => boolean, comm: string | undefined): Array<ProcessInfo> => {
  const out: Array<ProcessInfo> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const info = processInfo(Number(entry))
    if (info === undefined || info.state === "Z" || !keep(info)) continue
    if (comm === undefined || info.comm === comm) out.push(info)
  }
  return out
}

/** Live children of `parent` (default: this process) named `comm`, or all of them. */
export const childProcesses = (comm?: string, parent: number = process.pid): Array<ProcessInfo> =>
  liveProcesses((info) => info.ppid === parent, comm)

/** Live members of process group `pgrp`, optionally only those named `comm`. */
export const processGroup = (pgrp: number, comm?: string): Array<ProcessInfo> =>
  liveProcesses((info) => info.pgrp === pgrp, comm)

/**
 * FFmpeg processes `parent` (default: this process) started (a niced one shows as `nice` for the
 * instant before its exec).
 */
export const ffmpegChildren = (parent: number = process.pid): Array<ProcessInfo> =>
  childProcesses(undefined, parent).filter((p) => p.comm === "ffmpeg" || p.comm === "nice")

/** The files (not pipes or sockets) a process has open; none once it is gone. */
const openFiles = (pid: number): Array<string> => {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
        return target.startsWith("/") && !target.startsWith("/dev/") ? [target] : []
      } catch {
        return [] // closed between readdir and readlink
      }
    })
  } catch {
    return []
  }
}

/** A spare FFmpeg (src/audio/WarmFfmpeg.ts) still waiting to be given a track: it has opened nothing. */
export const isWaitingSpare = (p: ProcessInfo): boolean => {
  try {
    return readFileSync(`/proc/${p.pid}/cmdline`, "utf8").includes("\0concat\0") && openFiles(p.pid).length === 0
  } catch {
    return false
  }
}

/** FFmpeg processes `parent` (default: this process) started that play something (not a waiting spare). */
export const workingFfmpeg = (parent: number = process.pid): Array<ProcessInfo> =>
  ffmpegChildren(parent).filter((p) => !isWaitingSpare(p))

/** Whether process `pid` has the file `path` open. */
export const hasOpen = (pid: number, path: string): boolean => openFiles(pid).includes(path)

/** The number `pattern` captures in /proc/<pid>/<file>, if the process is there and the line too. */
const procNumber = (pid: number, file: string, pattern: RegExp): number | undefined => {
  try {
    const match = pattern.exec(readFileSync(`/proc/${pid}/${file}`, "utf8"))
    return match === null ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

/** Proportional set size of a process in KiB (shared libraries split between their users), if readable. */
export const pssKib = (pid: number): number | undefined => procNumber(pid, "smaps_rollup", /^Pss:\s+(\d+) kB/m)

/** Resident set size of a process in KiB, if readable. */
export const rssKib = (pid: number): number | undefined => procNumber(pid, "status", /^VmRSS:\s+(\d+) kB/m)

/** The fields of /proc/<pid>/stat after the command name (the first is the state), if readable. */
const statFields = (pid: number): ReadonlyArray<string> | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    return text.slice(text.lastIndexOf(")") + 2).split(" ")
  } catch {
    return undefined
  }
}

/** Process CPU time (user + system) in clock ticks (normally 1/100 s). */
export const cpuTicks = (pid: number): number | undefined => {
  const rest = statFields(pid)
  return rest === undefined ? undefined : Number(rest[11]) + Number(rest[12])
}

/**
 * CPU time of the children a process has reaped (FFmpeg runs that ended), in clock ticks: with the
 * live children's own `cpuTicks` it accounts for all the work a process had done for it.
 */
export const reapedChildrenCpuTicks = (pid: number): number | undefined => {
  const rest = statFields(pid)
  return rest === undefined ? undefined : Number(rest[13]) + Number(rest[14])
}

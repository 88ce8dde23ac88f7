import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))

/** A port that was free a moment ago on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => typeof address === "object" && address !== null ? resolve(address.port) : reject())
    })
  })

/** Whether something accepts connections on 127.0.0.1:port. */
export const isListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(true))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)))
  })

export interface RunningProgram {
  readonly process: ChildProcess
  /** Everything written to stdout and stderr so far. */
  readonly output: () => string
  readonly waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<string>
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/**
 * Runs Reprise as users do (`node src/start.js`, the body of `npm start`) with only the
 * given environment on top of PATH and HOME, so the developer's own settings never leak in.
 */
export const startProgram = (
  env: Readonly<Record<string, string>>,
  cwd: string = root,
  options: {
    /** Its own process group (as a shell's job), so a test can signal the program and its helpers as Ctrl-C does. */
    readonly ownProcessGroup?: boolean
  } = {}
): RunningProgram => {
  const child = spawn(process.execPath, [`${root}/src/start.js`], {
    cwd,
    detached: options.ownProcessGroup === true,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  const waiters = new Set<() => void>()
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8")
    for (const wake of waiters) wake()
  }
  child.stdout.on("data", append)
  child.stderr.on("data", append)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  )
  const waitForOutput = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output)
        if (match !== null) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve(match[0])
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output so far:\n${output}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  return { process: child, output: () => output, waitForOutput, exited }
}

/**
 * A Node child process as tests run one: stdout and stderr collected into one text, waits on what
 * it printed, and a stop that does not hang on a child that ignores SIGTERM. Reprise itself
 * (program.ts) and the fake Discord's probe bot both run on it.
 */
import { type ChildProcess, spawn } from "node:child_process"

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface NodeProcess {
  readonly process: ChildProcess
  /** Everything written to stdout and stderr so far. */
  readonly output: () => string
  /** Resolves with the first match of `pattern` in the output, as soon as there is one. */
  readonly waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<string>
  readonly exited: Promise<Exit>
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it has exited. */
  readonly stop: (graceMs?: number) => Promise<void>
}

export interface NodeProcessOptions {
  /** The child's whole environment: nothing is inherited that is not in it. */
  readonly env: NodeJS.ProcessEnv
  readonly cwd?: string | undefined
  /** Its own process group (as a shell's job), so a test can signal it and its helpers as Ctrl-C does. */
  readonly ownProcessGroup?: boolean | undefined
}

/** Runs `node <args>` with the Node that runs the tests. */
export const startNodeProcess = (args: ReadonlyArray<string>, options: NodeProcessOptions): NodeProcess => {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    detached: options.ownProcessGroup === true,
    env: options.env,
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
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
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
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
    await exited
    clearTimeout(timer)
  }
  return { process: child, output: () => output, waitForOutput, exited, stop }
}

import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"

export interface BotProcess {
  readonly output: () => string
  /** Resolves when the bot's stdout or stderr contains `text`. */
  readonly waitForOutput: (text: string, timeoutMs?: number) => Promise<void>
  readonly stop: () => Promise<void>
}

const probeBot = fileURLToPath(new URL("./probe-bot.ts", import.meta.url))
const xchachaFix = fileURLToPath(new URL("./xchacha-fix.ts", import.meta.url))

/** Starts the probe bot with the fake's env; `xchachaFix` preloads the P7 work-around. */
export const startProbeBot = (
  env: Readonly<Record<string, string>>,
  options: { readonly xchachaFix?: boolean } = {}
): BotProcess => {
  const args = [...(options.xchachaFix === true ? ["--import", xchachaFix] : []), probeBot]
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  const append = (chunk: Buffer) => {
    output += chunk.toString()
    child.emit("output")
  }
  child.stdout.on("data", append)
  child.stderr.on("data", append)
  return {
    output: () => output,
    waitForOutput: (text, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!output.includes(text)) return
          clearTimeout(timer)
          child.off("output", check)
          resolve()
        }
        const timer = setTimeout(() => {
          child.off("output", check)
          reject(new Error(`the bot did not print "${text}" within ${timeoutMs} ms`))
        }, timeoutMs)
        child.on("output", check)
        check()
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000)
      await once(child, "exit")
      clearTimeout(timer)
    }
  }
}

import { fileURLToPath } from "node:url"
import { type NodeProcess, startNodeProcess } from "../../support/nodeProcess.ts"

const probeBot = fileURLToPath(new URL("./probe-bot.ts", import.meta.url))
/** Reprise's own libsodium work-around: without it @discordjs/voice cannot encrypt XChaCha20 (see the module). */
const sodiumCompat = fileURLToPath(new URL("../../../src/voice/SodiumCompat.ts", import.meta.url))

/** Starts the probe bot with the fake's env on top of ours; `xchachaFix` preloads the libsodium work-around. */
export const startProbeBot = (
  env: Readonly<Record<string, string>>,
  options: { readonly xchachaFix?: boolean } = {}
): NodeProcess =>
  startNodeProcess([...(options.xchachaFix === true ? ["--import", sodiumCompat] : []), probeBot], {
    env: { ...process.env, ...env }
  })

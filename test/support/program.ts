import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { type NodeProcess, startNodeProcess } from "./nodeProcess.ts"

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

/**
 * Runs Reprise as users do (`node src/start.js`, the body of `npm start`) with only the
 * given environment on top of PATH and HOME, so the developer's own settings never leak in.
 */
export const startProgram = (
  env: Readonly<Record<string, string>>,
  cwd: string = root,
  options: {
    /** Its own process group, so a test can signal the program and its helpers as Ctrl-C does. */
    readonly ownProcessGroup?: boolean
  } = {}
): NodeProcess =>
  startNodeProcess([`${root}/src/start.js`], {
    cwd,
    ownProcessGroup: options.ownProcessGroup,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_FORMAT: "json", ...env }
  })

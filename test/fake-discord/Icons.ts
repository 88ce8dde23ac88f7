import type { IncomingMessage, ServerResponse } from "node:http"
import { solidPng } from "../support/png.ts"
import type { World } from "./State.ts"

/** The colour every guild icon is drawn in, so a test can tell the icon it got through the bot. */
export const iconColour = [88, 101, 242] as const

/**
 * Guild icons where Discord's CDN keeps them: `/icons/<guild>/<hash>.png`, for a guild whose
 * scenario gives it that icon hash; anything else is a 404. `served` counts the icons answered.
 */
export class Icons {
  served = 0
  readonly #world: World

  constructor(world: World) {
    this.#world = world
  }

  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const match = /^\/icons\/(\d+)\/(\w+)\.png$/.exec(url.pathname)
    if (match === null) return false
    const guild = this.#world.guilds.get(match[1]!)
    if (req.method !== "GET" || guild?.spec.icon !== match[2]) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found")
      return true
    }
    this.served++
    const size = Number(url.searchParams.get("size") ?? 128)
    const png = solidPng(Math.min(size, 256), Math.min(size, 256), iconColour)
    res.writeHead(200, { "content-type": "image/png", "content-length": String(png.length) }).end(png)
    return true
  }
}

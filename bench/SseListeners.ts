/**
 * Many event-stream clients at once, as cheap as a client can be, so that a fan-out measured with
 * a thousand of them times the server and not the benchmark: one raw `node:http` request each, no
 * web streams, no frame objects — only the arrival time of each frame of one event name.
 *
 * (The tests' `openSse` keeps every frame parsed for assertions; a thousand of those cost the
 * benchmark's own process more than the server spends sending.)
 */
import { request } from "node:http"

export interface SseListener {
  /** When each frame named `event` arrived (performance.now()), in order. */
  readonly arrivals: Array<number>
  /** Resolves with the arrival time of the n-th (1-based) such frame. */
  readonly nth: (n: number, timeoutMs?: number) => Promise<number>
  readonly close: () => void
}

/** Opens `url` and resolves once its first frame (the `state`) is in. */
export const listen = (url: string, headers: Record<string, string>, event: string): Promise<SseListener> =>
  new Promise((resolve, reject) => {
    const marker = `\nevent: ${event}\n`
    const arrivals: Array<number> = []
    const waiters = new Set<() => void>()
    const req = request(url, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`event stream answered ${res.statusCode}`))
      res.setEncoding("utf8")
      let started = false
      let tail = ""
      res.on("data", (chunk: string) => {
        const now = performance.now()
        // A frame split across chunks is found whole in the tail plus the new chunk.
        const text = tail + chunk
        let at = text.indexOf(marker)
        while (at !== -1) {
          arrivals.push(now)
          at = text.indexOf(marker, at + marker.length)
        }
        tail = text.slice(-(marker.length - 1))
        if (!started && text.includes("\n\n")) {
          started = true
          resolve(listener)
        }
        for (const wake of waiters) wake()
      })
      res.on("error", () => undefined)
    })
    req.on("error", (error) => reject(error))
    req.end()
    const listener: SseListener = {
      arrivals,
      nth: (n, timeoutMs = 30_000) =>
        new Promise((done, fail) => {
          const check = () => {
            const at = arrivals[n - 1]
            if (at === undefined) return
            waiters.delete(check)
            clearTimeout(timer)
            done(at)
          }
          const timer = setTimeout(() => {
            waiters.delete(check)
            fail(new Error(`frame ${n} of ${event} did not come within ${timeoutMs} ms`))
          }, timeoutMs)
          waiters.add(check)
          check()
        }),
      close: () => req.destroy()
    }
  })

/**
 * A Server-Sent Events client for tests, over fetch: the frames as they arrive (comments too), so
 * a test can wait for the one it expects and check their order.
 */
export interface SseFrame {
  readonly id: string | undefined
  readonly event: string | undefined
  readonly data: string | undefined
  /** A comment line (`: heartbeat`), for a frame that holds only one. */
  readonly comment: string | undefined
}

export interface SseClient {
  readonly status: number
  readonly contentType: string
  readonly frames: Array<SseFrame>
  /** Resolves with the first frame (from the start) that matches, or rejects after `timeoutMs`. */
  readonly next: (predicate: (frame: SseFrame) => boolean, timeoutMs?: number) => Promise<SseFrame>
  readonly close: () => void
}

const parse = (block: string): SseFrame => {
  const fields: Record<string, string> = {}
  let comment: string | undefined
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) comment = line.slice(1).trim()
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    const name = line.slice(0, colon)
    const value = line.slice(colon + 1).replace(/^ /, "")
    fields[name] = name in fields && name === "data" ? `${fields[name]}\n${value}` : value
  }
  return { id: fields.id, event: fields.event, data: fields.data, comment }
}

export const openSse = async (url: string, headers: Record<string, string>): Promise<SseClient> => {
  const controller = new AbortController()
  const response = await fetch(url, { headers, signal: controller.signal })
  const frames: Array<SseFrame> = []
  const waiters = new Set<() => unknown>()
  if (response.body !== null) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    void (async () => {
      let buffer = ""
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += value
          let end = buffer.indexOf("\n\n")
          while (end !== -1) {
            frames.push(parse(buffer.slice(0, end)))
            buffer = buffer.slice(end + 2)
            end = buffer.indexOf("\n\n")
          }
          for (const wake of waiters) wake()
        }
      } catch {
        // Aborted by `close`.
      }
    })()
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    frames,
    next: (predicate, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(predicate)
          if (found === undefined) return false
          waiters.delete(check)
          clearTimeout(timer)
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(frames)}`))
        }, timeoutMs)
        if (!check()) waiters.add(check)
      }),
    close: () => controller.abort()
  }
}

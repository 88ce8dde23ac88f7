interface Waiter<T> {
  readonly predicate: (item: T) => boolean
  readonly resolve: (item: T) => void
}

/**
 * An append-only record that can be awaited. `waitFor` looks at what is already recorded first,
 * so a test never misses an item that arrived before it started waiting.
 */
export class Journal<T> {
  readonly items: Array<T> = []
  readonly #name: string
  readonly #describe: (item: T) => string
  #waiters: Array<Waiter<T>> = []

  constructor(name: string, describe: (item: T) => string) {
    this.#name = name
    this.#describe = describe
  }

  push(item: T): void {
    this.items.push(item)
    const waiting = this.#waiters
    this.#waiters = []
    for (const waiter of waiting) {
      if (waiter.predicate(item)) waiter.resolve(item)
      else this.#waiters.push(waiter)
    }
  }

  /**
   * Forgets what is recorded so far, so a long run (the soak benchmark) keeps its memory flat.
   * Waiters stay: they see every item pushed from now on.
   */
  discard(): void {
    this.items.length = 0
  }

  waitFor(predicate: (item: T) => boolean, label: string, timeoutMs = 10_000): Promise<T> {
    const found = this.items.find(predicate)
    if (found !== undefined) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        resolve: (item) => {
          clearTimeout(timer)
          resolve(item)
        }
      }
      // The message lists the latest items: a failed wait should show what did happen.
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        const recent = this.items.slice(-15).map(this.#describe).join("\n  ")
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label} in ${this.#name}; latest:\n  ${recent}`))
      }, timeoutMs)
      this.#waiters.push(waiter)
    })
  }
}

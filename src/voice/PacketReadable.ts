import { Effect } from "effect"
import { Readable } from "node:stream"
import type { OpusPacket } from "../audio/AudioPipeline.ts"

/**
 * An object-mode Readable of Opus packets that @discordjs/voice plays as `StreamType.Opus`.
 * The audio player reads one packet per 20 ms cycle; `offer` completes only when the
 * buffer has room, so the producing stream is pulled at the pace packets are sent
 * (`highWaterMark` packets of read-ahead), as the VoiceOutput contract asks.
 */
export class PacketReadable extends Readable {
  #wake: (() => void) | null = null

  constructor(readAhead = 2) {
    super({ objectMode: true, highWaterMark: readAhead })
  }

  override _read(): void {
    this.#wakeUp()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A destroyed stream takes nothing more: let a waiting producer see it and stop.
    this.#wakeUp()
    callback(error)
  }

  #wakeUp(): void {
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  /** Buffers one packet; waits while the buffer is full. Never resumes once the stream is destroyed. */
  offer(packet: OpusPacket): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (this.destroyed) return
      if (this.push(packet)) resume(Effect.void)
      else this.#wake = () => (this.destroyed ? undefined : resume(Effect.void))
    })
  }

  /** No more packets: the player plays what is buffered, then its silence padding. */
  endOfStream(): void {
    if (!this.destroyed) this.push(null)
  }
}

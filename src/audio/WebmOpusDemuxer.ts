/**
 * A small incremental WebM (Matroska) demuxer that pulls the Opus packets of the first Opus track.
 *
 * The passthrough path feeds it file or HTTP bytes as an Effect stream; a synchronous parser with
 * the same shape as `OggOpusDemuxer` keeps that path free of Node Transform streams. (prism-media's
 * WebmDemuxer does the same job as a Transform, with a `Buffer.concat` per chunk.)
 *
 * Only what carries audio is parsed: EBML element headers, `Segment`/`Cluster`/`BlockGroup`/
 * `Tracks`/`TrackEntry` are entered, `TrackNumber`/`CodecID` are read, `SimpleBlock`/`Block`
 * payloads are split into frames (all three lacing schemes). Everything else (cues, tags, cover
 * art, video) is skipped without being buffered. Errors set `error` instead of throwing.
 */

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Cluster: 0x1f43b675,
  BlockGroup: 0xa0,
  Block: 0xa1,
  SimpleBlock: 0xa3,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  CodecID: 0x86
} as const

const MASTERS = new Set<number>([ID.Segment, ID.Cluster, ID.BlockGroup, ID.Tracks, ID.TrackEntry])
const READ_WHOLE = new Set<number>([ID.Block, ID.SimpleBlock, ID.TrackNumber, ID.CodecID])
/** Blocks bigger than this are not audio frames; refusing them bounds the buffer. */
const MAX_ELEMENT = 1 << 20

const UNKNOWN_SIZE = -1

interface Vint {
  readonly value: number
  readonly length: number
}

/** Reads an EBML variable-length integer; `keepMarker` for element ids. Undefined when incomplete. */
const readVint = (data: Uint8Array, offset: number, keepMarker: boolean): Vint | "invalid" | undefined => {
  if (offset >= data.length) return undefined
  const first = data[offset]!
  if (first === 0) return "invalid"
  const length = Math.clz32(first) - 23
  if (offset + length > data.length) return undefined
  let value = keepMarker ? first : first & (0xff >> length)
  let allOnes = value === (0xff >> length)
  for (let i = 1; i < length; i++) {
    const byte = data[offset + i]!
    if (byte !== 0xff) allOnes = false
    value = value * 256 + byte
  }
  if (!keepMarker && allOnes) return { value: UNKNOWN_SIZE, length }
  return { value, length }
}

export class WebmOpusDemuxer {
  private buffer: Uint8Array = new Uint8Array(0)
  private skipRemaining = 0
  private entry: { number: number; codec: string } | undefined = undefined
  private opusTrack: number | undefined = undefined
  private sawHeader = false
  /** Set once the input turned out not to be WebM with Opus. */
  error: string | undefined = undefined

  push(chunk: Uint8Array): Array<Uint8Array> {
    const packets: Array<Uint8Array> = []
    if (this.error !== undefined) return packets
    let data = chunk
    if (this.skipRemaining > 0) {
      const skip = Math.min(this.skipRemaining, data.length)
      this.skipRemaining -= skip
      data = data.subarray(skip)
      if (data.length === 0) return packets
    }
    if (this.buffer.length > 0) {
      const joined = new Uint8Array(this.buffer.length + data.length)
      joined.set(this.buffer)
      joined.set(data, this.buffer.length)
      data = joined
    }
    let offset = 0
    while (offset < data.length) {
      const id = readVint(data, offset, true)
      if (id === undefined) break
      if (id === "invalid") return this.fail("corrupt element id")
      if (!this.sawHeader) {
        if (id.value !== ID.EBML) return this.fail("not a WebM file")
        this.sawHeader = true
      }
      const size = readVint(data, offset + id.length, false)
      if (size === undefined) break
      if (size === "invalid") return this.fail("corrupt element size")
      const headerEnd = offset + id.length + size.length
      if (MASTERS.has(id.value)) {
        if (id.value === ID.TrackEntry) this.entry = { number: -1, codec: "" }
        offset = headerEnd
        continue
      }
      if (size.value === UNKNOWN_SIZE) return this.fail("element of unknown size")
      if (READ_WHOLE.has(id.value)) {
        if (size.value > MAX_ELEMENT) return this.fail("oversized block")
        if (headerEnd + size.value > data.length) break
        const body = data.subarray(headerEnd, headerEnd + size.value)
        if (!this.element(id.value, body, packets)) return packets
        offset = headerEnd + size.value
        continue
      }
      // Skip: possibly beyond this chunk, without buffering the skipped bytes.
      const end = headerEnd + size.value
      if (end > data.length) {
        this.skipRemaining = end - data.length
        offset = data.length
        break
      }
      offset = end
    }
    this.buffer = offset >= data.length ? new Uint8Array(0) : data.slice(offset)
    return packets
  }

  private fail(message: string): Array<Uint8Array> {
    this.error = message
    this.buffer = new Uint8Array(0)
    return []
  }

  /** Handles one fully buffered element; false after a failure. */
  private element(id: number, body: Uint8Array, packets: Array<Uint8Array>): boolean {
    switch (id) {
      case ID.TrackNumber: {
        if (this.entry !== undefined) this.entry.number = readUint(body)
        this.chooseTrack()
        return true
      }
      case ID.CodecID: {
        if (this.entry !== undefined) this.entry.codec = new TextDecoder().decode(body).replace(/\0+$/, "")
        this.chooseTrack()
        return true
      }
      default:
        return this.block(body, packets)
    }
  }

  private chooseTrack(): void {
    if (this.opusTrack === undefined && this.entry !== undefined && this.entry.codec === "A_OPUS") {
      if (this.entry.number >= 0) this.opusTrack = this.entry.number
    }
  }

  private block(body: Uint8Array, packets: Array<Uint8Array>): boolean {
    const track = readVint(body, 0, false)
    if (track === undefined || track === "invalid" || track.value === UNKNOWN_SIZE) {
      this.fail("corrupt block")
      return false
    }
    if (this.opusTrack === undefined) {
      this.fail("the file has no Opus audio track")
      return false
    }
    if (track.value !== this.opusTrack) return true
    const flagsAt = track.length + 2
    if (flagsAt >= body.length) {
      this.fail("corrupt block")
      return false
    }
    const lacing = (body[flagsAt]! >> 1) & 0x03
    const frames = lacing === 0 ? [body.subarray(flagsAt + 1)] : splitLaced(body, flagsAt + 1, lacing)
    if (frames === undefined) {
      this.fail("corrupt laced block")
      return false
    }
    for (const frame of frames) if (frame.length > 0) packets.push(frame)
    return true
  }
}

const readUint = (bytes: Uint8Array): number => {
  let value = 0
  for (const byte of bytes) value = value * 256 + byte
  return value
}

/** Splits a laced block (1 = Xiph, 2 = fixed-size, 3 = EBML) into its frames. */
const splitLaced = (body: Uint8Array, start: number, lacing: number): Array<Uint8Array> | undefined => {
  if (start >= body.length) return undefined
  const count = body[start]! + 1
  let offset = start + 1
  const sizes: Array<number> = []
  if (lacing === 2) {
    const total = body.length - offset
    if (total % count !== 0) return undefined
    for (let i = 0; i < count; i++) sizes.push(total / count)
  } else if (lacing === 1) {
    for (let i = 0; i < count - 1; i++) {
      let size = 0
      let byte = 255
      while (byte === 255) {
        if (offset >= body.length) return undefined
        byte = body[offset++]!
        size += byte
      }
      sizes.push(size)
    }
  } else {
    const first = readVint(body, offset, false)
    if (first === undefined || first === "invalid") return undefined
    offset += first.length
    sizes.push(first.value)
    for (let i = 1; i < count - 1; i++) {
      const raw = readVint(body, offset, false)
      if (raw === undefined || raw === "invalid") return undefined
      offset += raw.length
      // EBML lacing stores signed differences: subtract the bias of a vint of this length.
      const bias = Math.pow(2, 7 * raw.length - 1) - 1
      sizes.push(sizes[i - 1]! + raw.value - bias)
    }
  }
  if (lacing !== 2) {
    const used = sizes.reduce((a, b) => a + b, 0)
    const last = body.length - offset - used
    if (last < 0) return undefined
    sizes.push(last)
  }
  const frames: Array<Uint8Array> = []
  for (const size of sizes) {
    if (size < 0 || offset + size > body.length) return undefined
    frames.push(body.subarray(offset, offset + size))
    offset += size
  }
  return frames
}

/**
 * A small incremental Ogg demuxer for single-stream Ogg/Opus (RFC 3533, RFC 7845).
 *
 * Written here rather than using prism-media's `OggDemuxer` because FFmpeg's output arrives as
 * an Effect stream of byte chunks: a plain synchronous parser slots into `Stream.mapAccumArrayEffect`
 * without a Node Transform (and its object-mode buffering) in between.
 *
 * Feed chunks with `push`; it returns the Opus packets completed by that chunk. The OpusHead and
 * OpusTags header packets are dropped. Bytes that are not Ogg do not throw (the parser runs inside
 * stream combinators, where a throw would be a defect): `error` is set and further input is ignored.
 * CRCs are not checked: the bytes come from a local pipe or a file an encoder wrote, not from a
 * lossy channel.
 */

const CAPTURE_PATTERN = 0x4f676753 // "OggS"
const HEADER_SIZE = 27

const startsWithAscii = (packet: Uint8Array, text: string): boolean => {
  if (packet.length < text.length) return false
  for (let i = 0; i < text.length; i++) {
    if (packet[i] !== text.charCodeAt(i)) return false
  }
  return true
}

/** True for the two Opus header packets, which carry no audio. */
export const isOpusHeaderPacket = (packet: Uint8Array): boolean =>
  startsWithAscii(packet, "OpusHead") || startsWithAscii(packet, "OpusTags")

export class OggOpusDemuxer {
  private buffer: Uint8Array = new Uint8Array(0)
  /** Segments of a packet that continues on the next page. */
  private partial: Array<Uint8Array> = []
  private partialLength = 0
  /** Set once the input turned out not to be Ogg. */
  error: string | undefined = undefined

  /** Parses as many whole pages as `chunk` completes. */
  push(chunk: Uint8Array): Array<Uint8Array> {
    if (this.error !== undefined) return []
    const data = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk)
    const packets: Array<Uint8Array> = []
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    let offset = 0
    while (data.length - offset >= HEADER_SIZE) {
      if (view.getUint32(offset) !== CAPTURE_PATTERN) {
        this.error = `expected an Ogg page at byte ${offset}`
        this.buffer = new Uint8Array(0)
        return packets
      }
      const segmentCount = data[offset + 26]!
      const tableEnd = offset + HEADER_SIZE + segmentCount
      if (data.length < tableEnd) break
      let bodyLength = 0
      for (let i = offset + HEADER_SIZE; i < tableEnd; i++) bodyLength += data[i]!
      if (data.length < tableEnd + bodyLength) break

      const continued = (data[offset + 5]! & 0x01) !== 0
      if (!continued && this.partialLength > 0) {
        // A page that does not continue the previous packet means that packet was cut short.
        this.partial = []
        this.partialLength = 0
      }
      let cursor = tableEnd
      let packetStart = cursor
      for (let i = offset + HEADER_SIZE; i < tableEnd; i++) {
        const lacing = data[i]!
        cursor += lacing
        if (lacing < 255) {
          // A copy, not a view: a view would keep the whole read (seconds of audio) alive until its last packet is sent.
          this.emit(data.slice(packetStart, cursor), packets)
          packetStart = cursor
        }
      }
      if (packetStart < cursor) {
        // The last segment was 255 bytes: the packet goes on in the next page.
        const rest = data.slice(packetStart, cursor)
        this.partial.push(rest)
        this.partialLength += rest.length
      }
      offset = tableEnd + bodyLength
    }
    // Copy the unparsed tail so the packets handed out never alias a buffer we keep.
    this.buffer = offset === data.length ? new Uint8Array(0) : data.slice(offset)
    return packets
  }

  /** Bytes received but not yet part of a whole page. */
  get pending(): number {
    return this.buffer.length + this.partialLength
  }

  private emit(tail: Uint8Array, packets: Array<Uint8Array>): void {
    let packet = tail
    if (this.partialLength > 0) {
      packet = concat(...this.partial, tail)
      this.partial = []
      this.partialLength = 0
    }
    if (packet.length === 0 || isOpusHeaderPacket(packet)) return
    packets.push(packet)
  }
}

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

import { createServer } from "node:http"

/** A loopback OTLP/HTTP receiver that keeps the bodies posted to /v1/traces. */
export const otlpReceiver = async () => {
  const bodies: Array<Buffer> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      if (request.url === "/v1/traces") bodies.push(Buffer.concat(chunks))
      response.writeHead(200, { "content-type": "application/json" })
      response.end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("no address")
  return { server, endpoint: `http://127.0.0.1:${address.port}`, received: () => Buffer.concat(bodies).toString("latin1") }
}

import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface Certificate {
  readonly cert: string
  readonly key: string
  /** PEM file for the bot's NODE_EXTRA_CA_CERTS: the voice gateway is wss:// only (P1). */
  readonly certPath: string
  readonly dispose: () => void
}

/** A one-day self-signed certificate for 127.0.0.1, made with the openssl CLI. */
export const generateCertificate = (): Certificate => {
  const dir = mkdtempSync(join(tmpdir(), "fake-discord-"))
  const certPath = join(dir, "cert.pem")
  const keyPath = join(dir, "key.pem")
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyPath, "-out", certPath
  ], { stdio: "ignore" })
  return {
    cert: readFileSync(certPath, "utf8"),
    key: readFileSync(keyPath, "utf8"),
    certPath,
    dispose: () => rmSync(dir, { recursive: true, force: true })
  }
}

import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface Certificate {
  readonly cert: string
  readonly key: string
  /**
   * PEM file for the bot's NODE_EXTRA_CA_CERTS, which must trust `cert`: @discordjs/voice speaks to
   * the voice gateway over wss:// only. The variable names one file and the bot's value replaces
   * the machine's, so the file holds the machine's extra CAs too (its NODE_EXTRA_CA_CERTS, if set).
   */
  readonly caBundlePath: string
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
  const cert = readFileSync(certPath, "utf8")
  const machine = process.env.NODE_EXTRA_CA_CERTS
  const caBundlePath = join(dir, "ca.pem")
  writeFileSync(caBundlePath, [cert, ...(machine ? [readFileSync(machine, "utf8")] : [])].join("\n"))
  return {
    cert,
    key: readFileSync(keyPath, "utf8"),
    caBundlePath,
    dispose: () => rmSync(dir, { recursive: true, force: true })
  }
}

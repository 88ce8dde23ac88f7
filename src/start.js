// The entry point stays plain JavaScript so that an older Node can read it and say why it cannot go on.
const major = Number(process.versions.node.split(".")[0])
if (major < 24) {
  process.stderr.write(`reprise: Node.js 24 or newer is required (this is ${process.version}); see README.md.\n`)
  process.exit(1)
}
// Before anything loads @discordjs/voice: see the module for why.
await import("./voice/SodiumCompat.ts")
await import("./main.ts")

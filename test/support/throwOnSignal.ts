/**
 * Preloaded into a bot by a test (`NODE_OPTIONS=--import …`): on SIGUSR2, a callback outside every
 * handler of the program throws, as a library's socket or timer callback can.
 */
process.on("SIGUSR2", () => {
  setImmediate(() => {
    throw new Error("thrown in a callback outside every handler (test)")
  })
})

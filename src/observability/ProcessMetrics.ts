import { Effect, Metric } from "effect"
import { monitorEventLoopDelay } from "node:perf_hooks"

const residentMemory = Metric.gauge("process_resident_memory_bytes", { description: "Resident memory size in bytes" })
const heapUsed = Metric.gauge("nodejs_heap_used_bytes", { description: "V8 heap in use, in bytes" })
const cpuSeconds = Metric.gauge("process_cpu_seconds_total", {
  description: "User and system CPU time spent, in seconds"
})
const startTime = Metric.gauge("process_start_time_seconds", {
  description: "Start time of the process since the Unix epoch, in seconds"
})
const eventLoopLagP99 = Metric.gauge("nodejs_eventloop_lag_p99_seconds", {
  description: "99th percentile of event loop delay since the previous scrape, in seconds"
})
const activeHandles = Metric.gauge("nodejs_active_resources", { description: "Active libuv resources" })

const startedAtSeconds = (Date.now() - performance.now()) / 1000
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()

/** Reads the process figures into their gauges; called on each scrape so they are current. */
export const sampleProcessMetrics = Effect.suspend(() => {
  const memory = process.memoryUsage()
  const cpu = process.cpuUsage()
  const lagSeconds = loopDelay.percentile(99) / 1e9
  loopDelay.reset()
  return Effect.all([
    Metric.update(residentMemory, memory.rss),
    Metric.update(heapUsed, memory.heapUsed),
    Metric.update(cpuSeconds, (cpu.user + cpu.system) / 1e6),
    Metric.update(startTime, startedAtSeconds),
    Metric.update(eventLoopLagP99, Number.isFinite(lagSeconds) ? lagSeconds : 0),
    Metric.update(activeHandles, process.getActiveResourcesInfo().length)
  ], { discard: true })
})

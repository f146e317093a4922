/**
 * Server-Sent Events: the browsers following the live feed. A client that stops reading
 * (its buffer past a limit) is dropped rather than let the coordinator's memory grow; the
 * browser's EventSource reconnects by itself and reloads a fresh snapshot.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** How long a browser waits before reconnecting after the stream drops. */
export const RETRY_MS = 2_000
export const HEARTBEAT_MS = 15_000
export const MAX_CLIENTS = 64
export const MAX_BUFFERED_BYTES = 1 << 20

/** One event in the wire format: `event:` and `data:` lines, a blank line to end it. */
export function formatEvent (event: string, data: unknown): string {
  if (/[\r\n]/.test(event)) throw new TypeError(`an event name cannot contain a line break (got ${JSON.stringify(event)})`)
  // JSON.stringify escapes line breaks inside strings, so the data is always one line.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

export class EventHub {
  readonly #clients = new Set<ServerResponse>()
  readonly #maxClients: number
  readonly #heartbeatMs: number
  #heartbeat: NodeJS.Timeout | undefined

  constructor (options: { maxClients?: number, heartbeatMs?: number } = {}) {
    this.#maxClients = options.maxClients ?? MAX_CLIENTS
    this.#heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS
  }

  start (): void {
    // A comment line keeps idle connections open through proxies and reveals dead ones.
    this.#heartbeat ??= setInterval(() => { this.#write(': heartbeat\n\n') }, this.#heartbeatMs)
    this.#heartbeat.unref()
  }

  get size (): number { return this.#clients.size }

  /** Starts an event stream on `res`; false (and nothing written) when the hub is full. */
  attach (req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#clients.size >= this.#maxClients) return false
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no'
    })
    res.write(`retry: ${RETRY_MS}\n\n`)
    this.#clients.add(res)
    // The response closes when the browser goes away (the request closes as soon as it is read).
    res.once('close', () => { this.#clients.delete(res) })
    req.socket.setNoDelay(true)
    return true
  }

  send (event: string, data: unknown): void {
    if (this.#clients.size === 0) return
    this.#write(formatEvent(event, data))
  }

  #write (chunk: string): void {
    for (const res of this.#clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.#clients.delete(res)
        res.destroy()
        continue
      }
      res.write(chunk)
    }
  }

  close (): void {
    clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
    for (const res of this.#clients) res.end()
    this.#clients.clear()
  }
}

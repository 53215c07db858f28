// Sends COUNT events to a Millrace collector through Segment's analytics-node, unmodified and used
// only through its public API, as a Node service would:
//
//   node send.mjs <collector url> <write key> <count> <out.jsonl> [--pace-ms N] [--max-retries N] [--http-timeout-ms N]
//
// Every call type in turn: track (several names, "Order Completed" among them), page, screen,
// identify, group, alias. For each event it writes one JSON line to <out.jsonl>: the messageId, the
// call type and the Millrace event_type the collector must give it. Most calls pass an explicit
// messageId (a UUID or, for some, a free-form id); one in ten leaves it to the SDK and records the
// one the SDK generated, from the event's own callback. It flushes, and exits non-zero if the SDK
// reported any delivery failure. --pace-ms spreads the calls over time (so a fault can hit them
// mid-run); --max-retries is the SDK's own retry budget per batch; --http-timeout-ms its
// httpRequestTimeout (default 10 s), after which it abandons a request and sends the batch again.
import { Analytics } from '@segment/analytics-node'
import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

const [url, writeKey, countArg, out, ...rest] = process.argv.slice(2)
if (!url || !writeKey || !countArg || !out) {
  console.error('usage: node send.mjs <collector url> <write key> <count> <out.jsonl> [--pace-ms N] [--max-retries N] [--http-timeout-ms N]')
  process.exit(2)
}
const option = (name, fallback) => {
  const i = rest.indexOf(name)
  return i >= 0 ? Number(rest[i + 1]) : fallback
}
const count = Number(countArg)
const paceMs = option('--pace-ms', 0)
const maxRetries = option('--max-retries', 10)
const httpRequestTimeout = option('--http-timeout-ms', 10000)
const run = randomUUID().slice(0, 8)

const analytics = new Analytics({ writeKey, host: url, maxRetries, httpRequestTimeout, flushAt: 20, flushInterval: 500 })

const lines = createWriteStream(out)
let failures = 0
let answered = 0
const responses = {}
let requests = 0
analytics.on('http_request', () => requests++)
analytics.on('http_response', (r) => {
  responses[r.status] = (responses[r.status] ?? 0) + 1
})

// [call, expected Millrace event_type, how to make the call's parameters]
const calls = [
  ['track', 'order_completed', (i) => ({ event: 'Order Completed', properties: { order_id: `o-${i}`, revenue: 19.99, currency: 'EUR' } })],
  ['track', 'product_viewed', (i) => ({ event: 'Product Viewed', properties: { product_id: `p-${i % 50}` } })],
  // Normalised to a type Millrace ships a schema for: the properties are validated against it.
  ['track', 'add_to_cart', (i) => ({ event: 'Add To Cart', properties: { product_id: `p-${i % 50}`, quantity: 1 + (i % 3), unit_price: 4.5, currency: 'EUR' } })],
  ['track', 'signup_started', () => ({ event: 'signupStarted' })],
  ['page', 'page', (i) => ({ category: 'Docs', name: 'Install', properties: { path: `/docs/install/${i}` } })],
  ['screen', 'screen', () => ({ name: 'Checkout', properties: { step: 2 } })],
  ['identify', 'identify', (i) => ({ traits: { plan: i % 2 ? 'pro' : 'free' } })],
  ['group', 'group', (i) => ({ groupId: `g-${i % 7}`, traits: { name: 'Acme' } })],
  ['alias', 'alias', (i) => ({ previousId: `anon-${run}-${i}` })],
]

for (let i = 0; i < count; i++) {
  const [call, eventType, params] = calls[i % calls.length]
  const p = params(i)
  // alias has no anonymousId; every other call names a user one way or the other.
  if (call === 'alias' || i % 3 === 0) p.userId = `user-${run}-${i % 100}`
  else p.anonymousId = `anon-${run}-${i}`
  let messageId
  if (i % 10 === 9) messageId = undefined // the SDK makes one: recorded from the callback
  else if (i % 10 === 8) messageId = `node-${run}-${i}` // not a UUID: the collector derives the event id
  else messageId = randomUUID()
  if (messageId) p.messageId = messageId
  analytics[call](p, (err, ctx) => {
    answered++
    if (err) {
      failures++
      console.error(`send.mjs: ${call} ${ctx?.event?.messageId} failed: ${err?.message ?? err}`)
    }
    if (!messageId) {
      lines.write(JSON.stringify({ id: ctx.event.messageId, call, event_type: eventType, id_from: 'sdk' }) + '\n')
    }
  })
  if (messageId) lines.write(JSON.stringify({ id: messageId, call, event_type: eventType, id_from: 'caller' }) + '\n')
  if (paceMs > 0) await sleep(paceMs)
}

await analytics.closeAndFlush({ timeout: 300_000 })
await new Promise((resolve) => lines.end(resolve))
// A request with no answer was abandoned (timeout) or failed on the network; the SDK sent its batch again.
const unanswered = requests - Object.values(responses).reduce((a, b) => a + b, 0)
console.error(`send.mjs: ${count} events, ${answered} settled, ${failures} failed; ${requests} HTTP requests,`
  + ` answers ${JSON.stringify(responses)}, ${unanswered} unanswered`)
process.exit(failures > 0 || answered !== count ? 1 : 0)

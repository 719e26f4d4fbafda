// PostgreSQL 17 + TimescaleDB 2.23 (PGlite, WASM) served over the PostgreSQL wire protocol, for tests only.
//
//   node tests/timescale/server.mjs [PORT]     (or PGLITE_PORT=...; 0 or nothing picks a free port)
//
// Prints one line `ready 127.0.0.1:<port>` on stdout once it accepts connections, then serves an
// in-memory database until SIGTERM/SIGINT or until its stdin closes (so it dies with its parent;
// by hand, keep stdin open). Any user, password and database name are accepted, and the session is
// always user postgres in database template1. PGLITE_DEBUG=1 logs pglite-socket's connection handling.
// package.json aliases `@electric-sql/pglite` to the TimescaleDB build, so pglite-socket (which
// peer-depends on that name) and this script share one build.
//
// PGlite is a single-user backend: pglite-socket serves one client at a time and queues the
// others (for up to 60 s). Its version is pinned, and this script replaces how its connection
// handler feeds PGlite, which as shipped (0.0.20) gets these wrong:
//  - each TCP chunk went to PGlite as is: a message split over two chunks (a statement or a
//    pipeline over ~64 KiB) crashed the WASM backend, and a long input of many extended-protocol
//    messages was now and then cut short by PGlite, leaving a pipelining client (psycopg's
//    executemany) waiting forever. Input is now cut on message boundaries and fed in batches of at
//    most BATCH_BYTES;
//  - COPY ... FROM STDIN crashed the WASM backend, which cannot wait for CopyData across calls: the
//    CopyInResponse is now taken from a dry run that changes nothing (see startCopy), the client's
//    CopyData is collected, and the whole COPY is fed to PGlite in one call;
//  - libpq's SSLRequest/GSSENCRequest got an auth message, so `sslmode=prefer` (libpq's default)
//    failed: they are now refused with 'N', as by a server without TLS;
//  - the backend outlived the client's session: a transaction left open, prepared statements
//    (psycopg's `_pg3_0`...), SETs and temp tables leaked into the next connection. Each
//    disconnection now runs ROLLBACK and DISCARD ALL and restores PGlite's own session settings
//    (see `reset`) before the next client gets the backend;
//  - a client that gave up while queued (connect_timeout) made every later client hang (see
//    handleError), and a client socket error (ECONNRESET) was an unhandled rejection that killed
//    the server.
import { PGlite } from '@electric-sql/pglite'
import { timescaledb } from '@electric-sql/pglite/timescaledb'
import { PGLiteSocketHandler, PGLiteSocketServer } from '@electric-sql/pglite-socket'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const BATCH_BYTES = 8192
const COPY_FROM_STDIN = /^\s*copy\s[\s\S]*\bfrom\s+stdin\b/i
const PROBE = 'pglite_copy_probe'

function message(type, text) {
  const body = Buffer.from(text === undefined ? '' : `${text}\0`)
  const out = Buffer.alloc(5 + body.length)
  out.write(type, 0, 'latin1')
  out.writeInt32BE(4 + body.length, 1)
  body.copy(out, 5)
  return out
}

function* messagesOf(buffer) {
  for (let at = 0; at + 5 <= buffer.length; ) {
    const end = at + 1 + buffer.readInt32BE(at + 1)
    yield [String.fromCharCode(buffer[at]), buffer.subarray(at, end)]
    at = end
  }
}

let transactionStatus = 'I' // from the last ReadyForQuery PGlite sent: I, T or E
let reset = null // what gives the next client a fresh session; built at startup

async function exec(db, input) {
  const out = Buffer.from(await db.execProtocolRaw(new Uint8Array(input)))
  for (const [type, m] of messagesOf(out)) if (type === 'Z') transactionStatus = String.fromCharCode(m[5])
  return out
}

// Runs input on PGlite for this handler's client and sends the answer, less `skip` if given.
async function answer(handler, input, skip) {
  if (!handler.socket || !handler.active) return
  let out
  try {
    out = await exec(handler.db, input)
  } catch (error) {
    handler.handleError(error)
    return
  }
  if (skip) {
    out = Buffer.concat([...messagesOf(out)].filter(([type]) => type !== skip).map(([, m]) => m))
  }
  if (out.length && handler.socket?.writable) handler.socket.write(out)
}

// COPY FROM STDIN: find out, without effect, whether it starts and with which CopyInResponse.
async function startCopy(handler, query) {
  if (transactionStatus === 'E') return answer(handler, query) // fails at once, reads no data
  const [open, close] =
    transactionStatus === 'T'
      ? [[`SAVEPOINT ${PROBE}`], [`ROLLBACK TO SAVEPOINT ${PROBE}`, `RELEASE SAVEPOINT ${PROBE}`]]
      : [['BEGIN'], ['ROLLBACK']]
  const dryRun = Buffer.concat([
    ...open.map((q) => message('Q', q)),
    query,
    message('f', 'dry run'),
    ...close.map((q) => message('Q', q)),
  ])
  let out
  try {
    out = await exec(handler.db, dryRun)
  } catch (error) {
    handler.handleError(error)
    return
  }
  const response = [...messagesOf(out)].find(([type]) => type === 'G')
  if (!response) return answer(handler, query) // the COPY fails: let it, for real
  handler.socket?.write(response[1])
  handler.copy = [query]
}

async function pump(handler) {
  while (handler.inbox.length) {
    if (handler.copy) {
      const m = handler.inbox.shift()
      handler.copy.push(m)
      const type = String.fromCharCode(m[0])
      if (type === 'c' || type === 'f') {
        const copy = Buffer.concat(handler.copy)
        handler.copy = null
        await answer(handler, copy, 'G') // the client has had its CopyInResponse
      }
      continue
    }
    const batch = []
    let size = 0
    while (handler.inbox.length) {
      const m = handler.inbox[0]
      if (m[0] === 0x51 && COPY_FROM_STDIN.test(m.subarray(5, -1).toString())) {
        if (batch.length) break
        handler.inbox.shift()
        await startCopy(handler, m)
        break
      }
      if (batch.length && size + m.length > BATCH_BYTES) break
      batch.push(handler.inbox.shift())
      size += m.length
    }
    if (batch.length) await answer(handler, Buffer.concat(batch))
  }
}

const handler = PGLiteSocketHandler.prototype
const originalAttach = handler.attach
const originalDetach = handler.detach
const originalHandleError = handler.handleError

handler.handleData = function (chunk) {
  this.inbox ??= []
  const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
  let end = 0
  for (;;) {
    let length
    if (!this.startedUp) {
      // Startup-phase packets have no type byte: int32 length (itself included), int32 code.
      if (buffer.length - end < 8) break
      length = buffer.readInt32BE(end)
      if (buffer.length - end < length) break
      const code = buffer.readInt32BE(end + 4)
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.socket?.write('N')
        end += length
        continue
      }
      if (code === CANCEL_REQUEST) {
        // Nothing to cancel: a statement runs to its end before any other client is read.
        this.socket?.end()
        this.inbox = []
        return Promise.resolve()
      }
      this.startedUp = true
    } else {
      if (buffer.length - end < 5) break
      length = 1 + buffer.readInt32BE(end + 1)
      if (buffer.length - end < length) break
    }
    this.inbox.push(buffer.subarray(end, end + length))
    end += length
  }
  this.pending = end < buffer.length ? buffer.subarray(end) : null
  // One pump per handler: PGlite sees the messages once each, in order.
  if (!this.pumping) {
    this.pumping = pump(this).finally(() => {
      this.pumping = null
    })
  }
  return this.pumping
}

handler.detach = function (close) {
  if (this.socket && this.startedUp) {
    // Queued on the PGlite mutex before this handler releases it: runs before the next client.
    this.db
      .runExclusive(() => exec(this.db, reset))
      .catch((error) => console.error('session reset failed:', error))
  }
  this.inbox = []
  this.copy = null
  this.pending = null
  this.startedUp = false
  return originalDetach.call(this, close)
}

// A client that gave up while queued still gets the backend in its turn, and the write to its
// dead socket fails: the handler then detached without the 'close' event the server waits for to
// serve the next client. And a socket closed while its handler waited for the lock never
// delivered 'close' at all.
handler.handleError = function (error) {
  originalHandleError.call(this, error)
  this.dispatchEvent(new CustomEvent('close'))
}
handler.attach = async function (socket) {
  const attached = await originalAttach.call(this, socket)
  if (socket.destroyed) this.handleClose()
  return attached
}

// pglite-socket rejects the PGlite lock with a client's socket error, and nothing handles that
// rejection. A trap of the WASM backend leaves PGlite unusable, so that one ends the process.
process.on('unhandledRejection', (reason) => {
  if (reason instanceof WebAssembly.RuntimeError) {
    console.error('PGlite crashed:', reason)
    process.exit(1)
  }
  console.error('client error:', reason)
})

const portArgument = process.argv[2] ?? process.env.PGLITE_PORT ?? '0'
const port = Number(portArgument)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`bad port: ${portArgument}`)
  process.exit(2)
}

const db = await PGlite.create('memory://', { extensions: { timescaledb } })
// This build starts PostgreSQL with client_min_messages=debug3 on its command line, so that every
// statement would send the client a stream of DEBUG notices; a session SET outranks it. PGlite
// also SETs search_path=public at startup over a default of pg_catalog: DISCARD ALL (RESET ALL)
// alone would put the next client's tables into pg_catalog. The reset restores both.
await db.exec('SET client_min_messages = notice')
const { rows } = await db.query(
  `SELECT 'SELECT count(set_config(name, setting, false)) FROM (VALUES '
     || string_agg(format('(%L, %L)', name, setting), ', ') || ') AS s(name, setting)' AS sql
   FROM pg_settings WHERE source = 'session'`,
)
reset = Buffer.concat([
  message('S'), // ends an extended-protocol exchange the client left half-way
  message('Q', 'ROLLBACK'),
  message('Q', 'DISCARD ALL'),
  message('Q', rows[0].sql),
])

const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, debug: process.env.PGLITE_DEBUG === '1' })
server.addEventListener('error', (event) => console.error('pglite-socket error:', event.detail))
await server.start()
console.log(`ready ${server.getServerConn()}`)

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await server.stop()
  await db.close()
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.on('error', stop)
process.stdin.resume()

// Serves PGlite (PostgreSQL in WASM) with its TimescaleDB extension over the PostgreSQL wire protocol on 127.0.0.1.
// Usage: NODE_PATH=<cache>/pglite-timescaledb/node_modules node pglite-timescaledb.cjs PORT
// Prints "LISTENING <port> <versions>" once clients can connect. One client connection at a time (a PGlite limit).
const { PGlite } = require('@electric-sql/pglite')
const { timescaledb } = require('@electric-sql/pglite/timescaledb')
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket')

async function main() {
  const port = Number(process.argv[2] ?? 0)
  const db = await PGlite.create({ extensions: { timescaledb } })
  const v = await db.query(
    "SELECT current_setting('server_version') AS pg, (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') AS ts")
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' })
  await server.start()
  console.log(`LISTENING ${port} postgres=${v.rows[0].pg} timescaledb=${v.rows[0].ts}`)
  const stop = async () => { await server.stop(); await db.close(); process.exit(0) }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.stdin.on('end', stop) // the test closes stdin (or dies): never outlive it
  process.stdin.resume()
}
main().catch((e) => { console.error(`pglite-timescaledb: ${e.stack ?? e}`); process.exit(1) })

import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

/**
 * Serves one PGlite database to several PostgreSQL clients over TCP (the embedded default of
 * `npm start`: API, worker and scripts each hold a pool). PGlite has ONE session: a client's
 * extended-protocol exchange (Parse, Bind, Execute … Sync) or transaction must not interleave with
 * another client's, or one client's unnamed statement replaces the other's and answers go to the
 * wrong query. So a client keeps the session from its first message until PGlite answers
 * ReadyForQuery with the status "idle"; the others wait their turn. (pglite-socket's server
 * interleaves per message outside explicit transactions, which broke under concurrent load.)
 */
export class EmbeddedPostgresSocketServer {
  #server: Server | null = null;
  #owner: Connection | null = null;
  #waiting: Connection[] = [];
  readonly #connections = new Set<Connection>();

  constructor(private readonly db: PGlite) {}

  async listen(port: number, host: string): Promise<void> {
    await this.db.waitReady;
    this.#server = createServer((socket) => {
      const connection = new Connection(this, socket);
      this.#connections.add(connection);
    });
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(port, host, () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const c of this.#connections) c.socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Waits until `c` holds the session. */
  acquire(c: Connection): Promise<void> {
    if (this.#owner === null || this.#owner === c) {
      this.#owner = c;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      c.wake = resolve;
      this.#waiting.push(c);
    });
  }

  release(c: Connection): void {
    if (this.#owner !== c) return;
    const next = this.#waiting.shift() ?? null;
    this.#owner = next;
    next?.wake?.();
  }

  async run(message: Uint8Array, onData: (chunk: Uint8Array) => void): Promise<void> {
    await this.db.runExclusive(() => this.db.execProtocolRawStream(message, { onRawData: onData }));
  }

  /** A client went away: undo its open transaction, give the session on, forget it. */
  async gone(c: Connection): Promise<void> {
    this.#connections.delete(c);
    this.#waiting = this.#waiting.filter((w) => w !== c);
    if (this.#owner === c) {
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => undefined);
      this.release(c);
    }
  }
}

class Connection {
  #buffer = Buffer.alloc(0);
  #busy = false;
  #startup = true;
  wake: (() => void) | undefined;

  constructor(
    private readonly server: EmbeddedPostgresSocketServer,
    readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      this.#buffer = Buffer.concat([this.#buffer, data]);
      void this.#drain();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.server.gone(this));
  }

  /** Handles every complete message in the buffer, in order, one at a time. */
  async #drain(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let message = this.#next(); message; message = this.#next()) {
        if (message === 'handled') continue;
        await this.server.acquire(this);
        let tail = Buffer.alloc(0);
        await this.server.run(message, (chunk) => {
          if (!this.socket.destroyed) this.socket.write(chunk);
          tail = Buffer.concat([tail, Buffer.from(chunk)]).subarray(-6);
        });
        // ReadyForQuery ('Z', length 5, status) with status idle ('I'): the exchange is over.
        if (tail.length === 6 && tail[0] === 0x5a && tail.readInt32BE(1) === 5 && tail[5] === 0x49)
          this.server.release(this);
      }
    } catch {
      this.socket.destroy();
    } finally {
      this.#busy = false;
    }
  }

  /** The next whole message (startup messages have no type byte), 'handled', or null for "wait for more". */
  #next(): Uint8Array | 'handled' | null {
    const b = this.#buffer;
    if (this.#startup) {
      if (b.length < 8) return null;
      const length = b.readInt32BE(0);
      const code = b.readInt32BE(4);
      if (code === SSL_REQUEST) {
        this.#buffer = b.subarray(8);
        this.socket.write('N'); // no TLS on loopback
        return 'handled';
      }
      if (code === CANCEL_REQUEST) {
        this.#buffer = b.subarray(length);
        return 'handled';
      }
      if (b.length < length) return null;
      this.#startup = code !== PROTOCOL_3;
      this.#buffer = b.subarray(length);
      return new Uint8Array(b.subarray(0, length));
    }
    if (b.length < 5) return null;
    const length = 1 + b.readInt32BE(1);
    if (b.length < length) return null;
    this.#buffer = b.subarray(length);
    if (b[0] === 0x58) {
      this.socket.end(); // Terminate
      return 'handled';
    }
    return new Uint8Array(b.subarray(0, length));
  }
}

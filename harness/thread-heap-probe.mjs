// Preloaded into a process under measurement (`node --import <this file> …`, benchmarks only): reads
// the V8 heap of every thread of the process, the SDK's workflow thread included, which neither
// `/metrics` nor `--heapsnapshot-signal` see (each worker thread is its own V8 isolate). Through an
// in-process inspector session and its NodeWorker domain, so the process needs no `--inspect` port.
// Answers on 127.0.0.1:$GREENROOM_THREAD_PROBE_PORT:
//   GET /heap[?gc=1]                → [{ thread, title, usedBytes, totalBytes }] (after a full GC of each)
//   GET /snapshot?thread=<id>&file=<path> → writes a heap snapshot of that thread (`main` or a worker id)
import { Buffer } from 'node:buffer';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import { URL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const port = Number(process.env.GREENROOM_THREAD_PROBE_PORT);
// Worker threads inherit the preload: the probe runs in the main thread only.
if (port > 0 && isMainThread) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );

  /** Worker threads by id, each with its inspector session and the calls awaiting an answer. */
  const workers = new Map();
  let nextId = 0;
  session.on('NodeWorker.attachedToWorker', ({ params }) => {
    workers.set(params.workerInfo.workerId, {
      sessionId: params.sessionId,
      title: params.workerInfo.title,
      pending: new Map(),
      onEvent: null,
    });
  });
  session.on('NodeWorker.detachedFromWorker', ({ params }) => {
    for (const [id, w] of workers) if (w.sessionId === params.sessionId) workers.delete(id);
  });
  session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
    const w = [...workers.values()].find((x) => x.sessionId === params.sessionId);
    if (!w) return;
    const message = JSON.parse(params.message);
    if (message.id !== undefined) {
      const call = w.pending.get(message.id);
      w.pending.delete(message.id);
      if (message.error) call?.reject(new Error(JSON.stringify(message.error)));
      else call?.resolve(message.result);
    } else w.onEvent?.(message);
  });
  const inWorker = (w, method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      w.pending.set(id, { resolve, reject });
      post('NodeWorker.sendMessageToWorker', {
        sessionId: w.sessionId,
        message: JSON.stringify({ id, method, params }),
      }).catch(reject);
    });
  await post('NodeWorker.enable', { waitForDebuggerOnStart: false });

  async function heap(gc) {
    const rows = [];
    if (gc) await post('HeapProfiler.collectGarbage');
    const main = await post('Runtime.getHeapUsage');
    rows.push({ thread: 'main', title: 'main', usedBytes: main.usedSize, totalBytes: main.totalSize });
    for (const [id, w] of workers) {
      if (gc) await inWorker(w, 'HeapProfiler.collectGarbage');
      const u = await inWorker(w, 'Runtime.getHeapUsage');
      rows.push({ thread: id, title: w.title, usedBytes: u.usedSize, totalBytes: u.totalSize });
    }
    return rows;
  }

  async function snapshot(thread, file) {
    const out = createWriteStream(file);
    let bytes = 0;
    const chunk = (text) => {
      bytes += Buffer.byteLength(text);
      out.write(text);
    };
    if (thread === 'main') {
      const listener = ({ params }) => chunk(params.chunk);
      session.on('HeapProfiler.addHeapSnapshotChunk', listener);
      try {
        await post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      } finally {
        session.off('HeapProfiler.addHeapSnapshotChunk', listener);
      }
    } else {
      const w = workers.get(thread);
      if (!w) throw new Error(`no thread ${thread}`);
      w.onEvent = (m) => m.method === 'HeapProfiler.addHeapSnapshotChunk' && chunk(m.params.chunk);
      try {
        await inWorker(w, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      } finally {
        w.onEvent = null;
      }
    }
    await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
    return { file, bytes };
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    const answer =
      url.pathname === '/heap'
        ? heap(url.searchParams.get('gc') === '1')
        : url.pathname === '/snapshot'
          ? snapshot(url.searchParams.get('thread') ?? 'main', url.searchParams.get('file') ?? '')
          : Promise.reject(new Error('unknown path'));
    answer.then(
      (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (err) => res.writeHead(500).end(String(err?.message ?? err)),
    );
  });
  server.listen(port, '127.0.0.1');
  server.unref();
}

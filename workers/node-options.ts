/**
 * Node options of the worker process: docker-compose.yml's `worker` command carries them (a test
 * checks it), and the benchmark harness starts the worker with them, as production does.
 *
 * V8 sizes every isolate's heap from the machine's memory (about 4 GB on a 16–24 GB host) and then
 * lets the old generation grow to up to 4× its live objects before a full collection. An idle
 * worker never reaches the next collection, so garbage from the last burst of activities and
 * workflow activations stayed resident: measured with 400 journeys waiting, 250 MB of the main
 * thread's heap was in use of which 72 MB live, and 94 MB of the workflow thread's of which 44 MB
 * live (docs/worker-memory.md). The flags are process-wide: they bound the main thread and the
 * SDK's workflow thread (its own isolate) alike.
 * - `--max-old-space-size=512`: each isolate's old generation stops at 512 MB (several times
 *   what either holds live: ~75–100 MB main, ~45 MB workflows with 200 cached), which also brings
 *   V8's heap growing factor down from 4 to ≈ 1.4 (V8 scales it with the limit).
 * - `--max-semi-space-size=8`: the young generation of each isolate at most 2 × 8 MB instead of
 *   2 × 16 MB; scavenges run twice as often, each on half the space.
 * Once the worker is idle, V8's own memory reducer collects the rest: 10,000 waiting journeys read
 * 364 MB as first settled and 278 MB two minutes later (docs/worker-memory.md, runs M–O). So not
 * `--optimize-for-size`: it got there sooner but cost the worker 35–80 % more CPU per step (runs
 * I–K).
 */
export const WORKER_NODE_OPTIONS: readonly string[] = ['--max-old-space-size=512', '--max-semi-space-size=8'];

/**
 * The worker's environment beyond its configuration: the runtime image sets the same (Dockerfile),
 * the harness and `npm start` start the worker with it. glibc gives each thread that allocates its own
 * malloc arena (Temporal Core's threads, Node's); two arenas kept the worker's arenas flat at 34–40 MB
 * with 1,000 journeys waiting, where the default grew 65 → 75 MB, and the worker started at 153 MB
 * instead of 233 MB (docs/worker-memory.md, runs B–D).
 */
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

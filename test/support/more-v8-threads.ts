import { spawnRuntimesWithMoreV8Threads } from './v8-threads';

// The client tests' setup, in each test process: their own workers' runtimes get V8 threads to spare (./v8-threads.ts).
spawnRuntimesWithMoreV8Threads();

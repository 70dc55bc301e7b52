import { startRuntimesWithTestFlags } from './runtime-flags';

// The client tests' setup, in each test process: their own workers' runtimes get the test flags too (./runtime-flags.ts).
startRuntimesWithTestFlags();

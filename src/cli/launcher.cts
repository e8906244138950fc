#!/usr/bin/env node
/**
 * The `vigil` executable. DuckDB runs each query on a libuv worker thread and holds it until the
 * query ends; with Node's default pool of 4, four long queries would stall every other query, file
 * write and crypto operation of the server. libuv sizes its pool on first use — and loading ES
 * modules already uses it — so the size is set here, in a CommonJS file that runs before any
 * module is loaded. An operator's own UV_THREADPOOL_SIZE is kept.
 */
if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = '24';
void import('./main.js');

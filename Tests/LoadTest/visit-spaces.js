// Visits N spaces of a gateway one after another: each visit opens a WebSocket to ?space=<prefix>-<i>, streams one
// harmonic_stream, waits for the first resonance_update and closes. Used by idle-spaces.sh (the idle-cost benchmark).
// usage: node visit-spaces.js URL N [prefix] [parallel]
'use strict';
const WebSocket = require('./peer/node_modules/ws');
const [url, n, prefix = 'visit', parallel = '16'] = process.argv.slice(2);
const total = Number(n);
let next = 0, done = 0, failed = 0;

function visit(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}?space=${prefix}-${i}`);
    const finish = (ok) => { if (!ok) failed++; try { ws.close(); } catch { } resolve(); };
    const timer = setTimeout(() => finish(false), 15000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'harmonic_stream', frequency: 432, amplitude: 0.5 })));
    ws.on('message', (data) => {
      if (String(data).includes('"type":"resonance_update"')) { clearTimeout(timer); finish(true); }
    });
    ws.on('error', () => { clearTimeout(timer); finish(false); });
  });
}

async function worker() {
  while (next < total) { const i = next++; await visit(i); done++; }
}

Promise.all(Array.from({ length: Number(parallel) }, worker)).then(() => {
  console.log(JSON.stringify({ visited: done, failed }));
  process.exit(failed > 0 ? 1 : 0);
});

'use strict';
// Reference peer for Tests/LoadTest/compare.sh: a broadcast-only WebSocket server in the existing
// app's own stack (Node.js + ws). It speaks just enough of our protocol (DESIGN section 4) for the
// load tool: connection_established on connect, heartbeat -> heartbeat_ack, and every 100 ms ONE
// resonance_update of our shape and size, serialised once and sent to every open session. It does
// no field work, so it shows what pure fan-out of the same bytes costs on this machine.
//
// usage: node server.js PORT [HOST]   (HOST defaults to 127.0.0.1; PORT 0 picks a free port)
// PEER_PAIRS=n sets the phiHarmonics pairs per update (default 8, ~2 KB: ours under the default mix;
// under app-rate no pairs phase-lock in our gateway and its update is ~770 bytes: PEER_PAIRS=0).

const http = require('http');
const crypto = require('crypto');
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';
const TICK_MS = 100;
const PEAKS = 8;   // Resonance:Field:PeaksPerTick
const PAIRS = Number(process.env.PEER_PAIRS ?? 8);   // Resonance:Field:PairsPerTick
const PATHS = new Set(['/api/harmonic-ws', '/ws']);
const CONFIG = {
  width: 30, height: 30, spacing: 1, kernel: 'exponential', cutoff: 10,
  tickHz: 1000 / TICK_MS, background: 'classic', beta: 0.3, clamp: true,
};

const server = http.createServer((req, res) => {
  // Plain HTTP answers so a probe (curl) can tell the peer is up; the tests poll TCP connect.
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/healthz' ? 'ok' : 'not found');
});
// perMessageDeflate off: our gateway does not compress either, and compression would dominate the CPU.
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: true });

server.on('upgrade', (req, socket, head) => {
  const path = (req.url ?? '').split('?')[0];
  if (!PATHS.has(path)) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

// Field-like state: values of the same magnitude and digit count as ours, so the bytes match.
let seq = 0;
const nodeIds = Array.from({ length: 64 }, () => crypto.randomUUID());
const ratios = ['1:1', '2:1', '3:2'];

function resonanceUpdate() {
  seq += 1;
  const harmonicField = [];
  for (let i = 0; i < PEAKS; i++) {
    harmonicField.push({ x: (i % 3) * 10, y: Math.floor(i / 3) * 10, intensity: 1, resonance: 5 + Math.random() * 35 });
  }
  const phiHarmonics = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = Math.floor(Math.random() * nodeIds.length);
    const b = (a + 1 + Math.floor(Math.random() * (nodeIds.length - 1))) % nodeIds.length;
    phiHarmonics.push({ node1: nodeIds[a], node2: nodeIds[b], ratio: ratios[i % ratios.length], strength: 0.99 + Math.random() * 0.01, type: 'plv' });
  }
  // Key order is ours (JSON.stringify keeps insertion order); timestamp last, stamped now.
  return JSON.stringify({
    type: 'resonance_update',
    seq,
    globalResonance: 0.5 + Math.random() * 0.1,
    activeNodes: wss.clients.size,
    memoryNodes: 0,
    quantumCoherence: Math.random() * 0.1,
    meanPhase: Math.random() * 2 * Math.PI,
    harmonicField,
    phiHarmonics,
    phiCascades: 500 + Math.floor(Math.random() * 50),
    fieldMin: 1,
    fieldMax: 1,
    fieldMean: 1,
    timestamp: Date.now(),
  });
}

wss.on('connection', (ws) => {
  ws.send(JSON.stringify({
    type: 'connection_established',
    userId: crypto.randomUUID(),
    space: 'global',
    globalResonance: 0.5,
    activeNodes: wss.clients.size,
    quantumCoherence: 0,
    phiCascades: 0,
    config: CONFIG,
    timestamp: Date.now(),
  }));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = data.toString();
    // Only heartbeats are answered; everything else (harmonic_stream, ...) is ignored unparsed.
    if (!text.includes('"heartbeat"')) return;
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (msg?.type !== 'heartbeat') return;
    const ack = { type: 'heartbeat_ack', timestamp: Date.now() };
    if (typeof msg.timestamp === 'number' && Number.isFinite(msg.timestamp)) ack.clientTimestamp = msg.timestamp;
    ws.send(JSON.stringify(ack));
  });
  ws.on('error', () => { /* a reset client just goes away */ });
});

// One serialisation per tick, one Buffer shared by every send (ws frames it per socket).
setInterval(() => {
  if (wss.clients.size === 0) return;
  const buffer = Buffer.from(resonanceUpdate());
  for (const ws of wss.clients) {
    if (ws.readyState === WebSocket.OPEN) ws.send(buffer, { binary: false });
  }
}, TICK_MS);

server.listen(port, host, () => {
  const addr = server.address();
  console.log(`reference peer listening on ${addr.address}:${addr.port}`);
  console.log(`PORT=${addr.port}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const ws of wss.clients) ws.terminate();
    server.close();
    process.exit(0);
  });
}

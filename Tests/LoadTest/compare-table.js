'use strict';
// Prints compare.sh's one table from the load tool's --json files: for each client count and
// repeat, the peer and our gateway side by side, and the ratios ours/peer.
// usage: node compare-table.js OUT_DIR "N1 N2 ..." REPEAT WORKLOAD DURATION
const fs = require('fs');
const path = require('path');

const [dir, clientList, repeatText, workload, duration] = process.argv.slice(2);
const counts = clientList.trim().split(/\s+/).map(Number);
const repeat = Number(repeatText);

function load(kind, n, r) {
  try { return JSON.parse(fs.readFileSync(path.join(dir, `${kind}-${n}-r${r}.json`), 'utf8')); } catch { return null; }
}
const f = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const ms = (v) => (v === null || v === undefined ? '-' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v.toFixed(1) + ' ms');

function cells(j) {
  if (!j) return ['no run', '-', '-', '-', '-', '-', '-', '-', '-', '-'];
  return [
    `${j.clients_connected}/${j.clients}`,
    f(j.update_bytes_mean),
    ms(j.update_lag.p50_ms), ms(j.update_lag.p99_ms), ms(j.update_lag.max_ms),
    f(j.updates_delivered_percent, 1) + ' %',
    ms(j.heartbeat_rtt.p99_ms),
    f(j.server.cpu_percent) + ' %',
    f(j.server.rss_max_mb) + ' MB',
    f(j.tool_cpu_window_percent) + ' %',
  ];
}
const ratio = (a, b) => (a === null || b === null || a === undefined || b === undefined || b === 0 ? '-' : (a / b).toFixed(2));

// One row per (N, run, server); the ratios sit on our row, against the peer run next to it.
const header = ['N', 'run', 'server', 'connected', 'update bytes', 'lag p50', 'lag p99', 'lag max', 'delivered', 'RTT p99',
  'server CPU', 'server RSS', 'tool CPU', 'p99 lag ours/peer', 'delivered ours/peer'];
const rows = [];
const warnings = [];
for (const n of counts) {
  for (let r = 1; r <= repeat; r++) {
    const peer = load('peer', n, r), ours = load('ours', n, r);
    rows.push([String(n), String(r), 'peer', ...cells(peer), '', '']);
    rows.push([String(n), String(r), 'ours', ...cells(ours),
      ratio(ours?.update_lag?.p99_ms, peer?.update_lag?.p99_ms),
      ratio(ours?.updates_delivered_percent, peer?.updates_delivered_percent)]);
    for (const [kind, j] of [['peer', peer], ['ours', ours]]) {
      for (const w of j?.warnings ?? []) warnings.push(`N=${n} run ${r} ${kind}: ${w}`);
      if (j && (j.errors || j.disconnects)) warnings.push(`N=${n} run ${r} ${kind}: ${j.errors} errors, ${j.disconnects} disconnects`);
    }
  }
}

console.log(`workload ${workload}, ${duration} s per run (ramp included); lag = receive wall clock - resonance_update.timestamp, measured window after the ramp`);
console.log('| ' + header.join(' | ') + ' |');
console.log('|' + header.map(() => ' --- ').join('|') + '|');
for (const row of rows) console.log('| ' + row.join(' | ') + ' |');
if (warnings.length) {
  console.log('\nwarnings:');
  for (const w of warnings) console.log('  ' + w);
}
console.log(`\nper-run JSON and logs: ${dir}`);
